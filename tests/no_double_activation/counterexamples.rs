// The minimised counterexamples of the no-double-activation property (issue #8), as
// deterministic regressions: (what it was, cluster, inputs, seed). Included by
// `tests/no_double_activation.rs`; each note says whether the core or the property
// was wrong.

fn counterexamples() -> Vec<(&'static str, Setup, Vec<Step>, u64)> {
    vec![
        (
            "the same with a ping resolver and a partition (core)",
            Setup {servers: 2, paths: 1, resolver: Resolver::Ping, groups: 1, interval_s: 1},
            vec![Step {at_ms: 11750, kind: 14, a: 0, b: 0, shape: 0, duration_ms: 1}, Step {at_ms: 0, kind: 8, a: 2, b: 0, shape: 0, duration_ms: 13751}, Step {at_ms: 104314, kind: 16, a: 2, b: 0, shape: 0, duration_ms: 1}, Step {at_ms: 0, kind: 2, a: 0, b: 0, shape: 0, duration_ms: 1}, Step {at_ms: 0, kind: 3, a: 0, b: 0, shape: 675593961, duration_ms: 104315}],
            0,
        ),
        (
            "a partition starting at the hand-over of a move (core: the hand-over fails)",
            Setup {servers: 3, paths: 2, resolver: Resolver::None, groups: 1, interval_s: 3},
            vec![Step {at_ms: 198189, kind: 12, a: 0, b: 0, shape: 0, duration_ms: 1}, Step {at_ms: 160205, kind: 3, a: 0, b: 0, shape: 2338446465, duration_ms: 36087}, Step {at_ms: 157205, kind: 11, a: 0, b: 4, shape: 0, duration_ms: 1}],
            15780797805347531702,
        ),
        (
            "a move ordered while the source hears no peer: a hand-over needs heartbeats both ways (core)",
            Setup {servers: 3, paths: 1, resolver: Resolver::None, groups: 1, interval_s: 3},
            vec![Step {at_ms: 21996, kind: 17, a: 0, b: 0, shape: 0, duration_ms: 1}, Step {at_ms: 14031, kind: 11, a: 0, b: 1, shape: 0, duration_ms: 1}, Step {at_ms: 0, kind: 2, a: 0, b: 0, shape: 0, duration_ms: 20774}],
            654190038289912596,
        ),
        (
            "a reboot of a server whose failed stop left a resource Online (core: power-off releases it)",
            Setup {servers: 2, paths: 1, resolver: Resolver::None, groups: 1, interval_s: 1},
            vec![Step {at_ms: 118038, kind: 14, a: 0, b: 0, shape: 0, duration_ms: 1}, Step {at_ms: 0, kind: 5, a: 0, b: 1, shape: 0, duration_ms: 1}, Step {at_ms: 146476, kind: 16, a: 2, b: 0, shape: 0, duration_ms: 1}, Step {at_ms: 0, kind: 0, a: 1, b: 0, shape: 0, duration_ms: 1}, Step {at_ms: 60039, kind: 8, a: 2, b: 0, shape: 0, duration_ms: 86438}],
            0,
        ),
        (
            "an activation failover to a server that knows the group runs elsewhere (core: the target refuses)",
            Setup {servers: 3, paths: 2, resolver: Resolver::None, groups: 3, interval_s: 1},
            vec![Step {at_ms: 0, kind: 7, a: 3, b: 1, shape: 0, duration_ms: 149568}, Step {at_ms: 0, kind: 2, a: 0, b: 2, shape: 0, duration_ms: 120573}, Step {at_ms: 0, kind: 2, a: 1, b: 1, shape: 0, duration_ms: 25295}],
            955998739242492227,
        ),
        (
            "a hang restarts the resumed server's timers (property: the engine's heartbeat deadline)",
            Setup {servers: 2, paths: 1, resolver: Resolver::Ping, groups: 1, interval_s: 1},
            vec![Step {at_ms: 1, kind: 2, a: 0, b: 0, shape: 0, duration_ms: 11399}, Step {at_ms: 1, kind: 1, a: 2, b: 0, shape: 0, duration_ms: 1999}],
            9663756897390001129,
        ),
        (
            "ping: both sides reached the target; one re-found the other before the other's wait ended (property: the episode lasts until both hear each other)",
            Setup {servers: 4, paths: 1, resolver: Resolver::Ping, groups: 1, interval_s: 3},
            vec![Step {at_ms: 218233, kind: 2, a: 1, b: 0, shape: 0, duration_ms: 30000}],
            14180255184079323199,
        ),
        (
            "the same after a healed partition (core: the target refuses)",
            Setup {servers: 3, paths: 1, resolver: Resolver::None, groups: 1, interval_s: 3},
            vec![Step {at_ms: 147653, kind: 3, a: 0, b: 0, shape: 2194245521, duration_ms: 27710}, Step {at_ms: 165846, kind: 10, a: 4, b: 0, shape: 0, duration_ms: 10517}],
            10664264995199171943,
        ),
        (
            "a heal shorter than one interval still delivered a heartbeat (property: the engine's heartbeat deadline)",
            Setup {servers: 2, paths: 1, resolver: Resolver::Ping, groups: 1, interval_s: 1},
            vec![Step {at_ms: 198951, kind: 2, a: 0, b: 0, shape: 0, duration_ms: 4000}, Step {at_ms: 191710, kind: 2, a: 0, b: 0, shape: 0, duration_ms: 6956}],
            8745091177487294239,
        ),
        (
            "a failover while the deciding server cannot reach a member it still counts (core: rc 77)",
            Setup {servers: 3, paths: 1, resolver: Resolver::None, groups: 2, interval_s: 3},
            vec![Step {at_ms: 33040, kind: 2, a: 2, b: 0, shape: 0, duration_ms: 27000}, Step {at_ms: 52580, kind: 17, a: 3, b: 0, shape: 0, duration_ms: 1}, Step {at_ms: 4581, kind: 0, a: 4, b: 0, shape: 0, duration_ms: 1}],
            2706650173565533113,
        ),
        (
            "majority, one-way cut: each side heard a majority when it declared the other down (documented exception)",
            Setup {servers: 3, paths: 1, resolver: Resolver::Majority, groups: 1, interval_s: 3},
            vec![Step {at_ms: 13327, kind: 2, a: 0, b: 0, shape: 0, duration_ms: 26238}, Step {at_ms: 9565, kind: 4, a: 0, b: 0, shape: 1627773294, duration_ms: 33000}],
            18169833234698228079,
        ),
        (
            "a move by policy from a server that hears no peer (core: the hand-over fails)",
            Setup {servers: 3, paths: 1, resolver: Resolver::None, groups: 1, interval_s: 3},
            vec![Step {at_ms: 138986, kind: 11, a: 0, b: 0, shape: 626085143, duration_ms: 1}, Step {at_ms: 144986, kind: 12, a: 0, b: 0, shape: 311620775, duration_ms: 1}, Step {at_ms: 118318, kind: 2, a: 1, b: 0, shape: 0, duration_ms: 24000}, Step {at_ms: 37299, kind: 0, a: 0, b: 0, shape: 0, duration_ms: 1}],
            10065478345576326456,
        ),
        (
            "a graceful leave during a majority failover wait took the lost peer's groups early (core)",
            Setup {servers: 3,paths: 2,resolver: Resolver::Majority,groups: 3,interval_s: 2,},
            vec![Step {at_ms: 102089,kind: 14,a: 3,b: 0,shape: 0,duration_ms: 1}, Step {at_ms: 76745,kind: 3,a: 0,b: 0,shape: 4015701695,duration_ms: 29042}],
            9882601080820592670,
        ),
        (
            "an operation on a server the answering server cannot reach (core: refused, nm 80's words)",
            Setup {servers: 3, paths: 2, resolver: Resolver::None, groups: 1, interval_s: 1},
            vec![Step {at_ms: 150323, kind: 17, a: 2, b: 0, shape: 0, duration_ms: 1}, Step {at_ms: 132820, kind: 3, a: 0, b: 0, shape: 1195201989, duration_ms: 16834}, Step {at_ms: 132820, kind: 17, a: 1, b: 0, shape: 0, duration_ms: 1}, Step {at_ms: 0, kind: 13, a: 0, b: 0, shape: 0, duration_ms: 1}],
            9227538780053176890,
        ),
    ]
}
