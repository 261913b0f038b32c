// The minimised counterexamples of the no-double-activation property (issue #8), as
// deterministic regressions: (what it was, cluster, inputs, seed). Included by
// `tests/no_double_activation.rs`; each note says whether the core or the property
// was wrong. Inputs are `Step` fields in order: (at_ms, kind, a, b, shape, duration_ms).

type Raw = (u64, u8, usize, usize, u32, u64);

fn counterexamples() -> Vec<(&'static str, Setup, &'static [Raw], u64)> {
    use Resolver as R;
    vec![
        (
            "the same with a ping resolver and a partition (core)",
            Setup::new(2, 1, R::Ping, 1, 1),
            &[(11750, 14, 0, 0, 0, 1), (0, 8, 2, 0, 0, 13751), (104314, 16, 2, 0, 0, 1), (0, 2, 0, 0, 0, 1), (0, 3, 0, 0, 675593961, 104315)],
            0,
        ),
        (
            "a partition starting at the hand-over of a move (core: the hand-over fails)",
            Setup::new(3, 2, R::None, 1, 3),
            &[(198189, 12, 0, 0, 0, 1), (160205, 3, 0, 0, 2338446465, 36087), (157205, 11, 0, 4, 0, 1)],
            15780797805347531702,
        ),
        (
            "a move ordered while the source hears no peer: a hand-over needs heartbeats both ways (core)",
            Setup::new(3, 1, R::None, 1, 3),
            &[(21996, 17, 0, 0, 0, 1), (14031, 11, 0, 1, 0, 1), (0, 2, 0, 0, 0, 20774)],
            654190038289912596,
        ),
        (
            "a reboot of a server whose failed stop left a resource Online (core: power-off releases it)",
            Setup::new(2, 1, R::None, 1, 1),
            &[(118038, 14, 0, 0, 0, 1), (0, 5, 0, 1, 0, 1), (146476, 16, 2, 0, 0, 1), (0, 0, 1, 0, 0, 1), (60039, 8, 2, 0, 0, 86438)],
            0,
        ),
        (
            "an activation failover to a server that knows the group runs elsewhere (core: the target refuses)",
            Setup::new(3, 2, R::None, 3, 1),
            &[(0, 7, 3, 1, 0, 149568), (0, 2, 0, 2, 0, 120573), (0, 2, 1, 1, 0, 25295)],
            955998739242492227,
        ),
        (
            "a hang restarts the resumed server's timers (property: the engine's heartbeat deadline)",
            Setup::new(2, 1, R::Ping, 1, 1),
            &[(1, 2, 0, 0, 0, 11399), (1, 1, 2, 0, 0, 1999)],
            9663756897390001129,
        ),
        (
            "ping: both sides reached the target; one re-found the other before the other's wait ended (property: the episode lasts until both hear each other)",
            Setup::new(4, 1, R::Ping, 1, 3),
            &[(218233, 2, 1, 0, 0, 30000)],
            14180255184079323199,
        ),
        (
            "the same after a healed partition (core: the target refuses)",
            Setup::new(3, 1, R::None, 1, 3),
            &[(147653, 3, 0, 0, 2194245521, 27710), (165846, 10, 4, 0, 0, 10517)],
            10664264995199171943,
        ),
        (
            "a heal shorter than one interval still delivered a heartbeat (property: the engine's heartbeat deadline)",
            Setup::new(2, 1, R::Ping, 1, 1),
            &[(198951, 2, 0, 0, 0, 4000), (191710, 2, 0, 0, 0, 6956)],
            8745091177487294239,
        ),
        (
            "a failover while the deciding server cannot reach a member it still counts (core: rc 77)",
            Setup::new(3, 1, R::None, 2, 3),
            &[(33040, 2, 2, 0, 0, 27000), (52580, 17, 3, 0, 0, 1), (4581, 0, 4, 0, 0, 1)],
            2706650173565533113,
        ),
        (
            "majority, one-way cut: each side heard a majority when it declared the other down (documented exception)",
            Setup::new(3, 1, R::Majority, 1, 3),
            &[(13327, 2, 0, 0, 0, 26238), (9565, 4, 0, 0, 1627773294, 33000)],
            18169833234698228079,
        ),
        (
            "a move by policy from a server that hears no peer (core: the hand-over fails)",
            Setup::new(3, 1, R::None, 1, 3),
            &[(138986, 11, 0, 0, 626085143, 1), (144986, 12, 0, 0, 311620775, 1), (118318, 2, 1, 0, 0, 24000), (37299, 0, 0, 0, 0, 1)],
            10065478345576326456,
        ),
        (
            "a graceful leave during a majority failover wait took the lost peer's groups early (core)",
            Setup::new(3, 2, R::Majority, 3, 2),
            &[(102089, 14, 3, 0, 0, 1), (76745, 3, 0, 0, 4015701695, 29042)],
            9882601080820592670,
        ),
        (
            "an operation on a server the answering server cannot reach (core: refused, nm 80's words)",
            Setup::new(3, 2, R::None, 1, 1),
            &[(150323, 17, 2, 0, 0, 1), (132820, 3, 0, 0, 1195201989, 16834), (132820, 17, 1, 0, 0, 1), (0, 13, 0, 0, 0, 1)],
            9227538780053176890,
        ),
        (
            "a move whose target went away, redirected to a server that knows the group runs elsewhere (core: the new target refuses too)",
            Setup::new(3, 2, R::None, 1, 1),
            &[(101230, 4, 0, 0, 1529088513, 138194), (198336, 2, 4, 1, 0, 41088), (220331, 11, 0, 0, 1495274729, 1)],
            4455520130746964121,
        ),
        (
            "ping: a hang restarted the loser's timers, then it stopped its service; its timeout fell during the stop (property: a leaving server takes no decision, its stop ends the window)",
            Setup::new(2, 1, R::Ping, 1, 3),
            &[(118633, 1, 2, 0, 0, 19623), (165257, 14, 2, 0, 0, 1), (88941, 2, 0, 0, 0, 78000)],
            2314738622995206100,
        ),
        (
            "the same after a partition, three servers (property: as above)",
            Setup::new(3, 1, R::Ping, 2, 2),
            &[(43227, 3, 0, 0, 462542421, 55342), (60505, 1, 1, 0, 0, 18468), (95974, 14, 1, 0, 0, 1)],
            6534198032768551908,
        ),
        (
            "five servers, ping: a one-way cut, then a path down on s1; peers fail g1 over, s1 still counts them and reboots (stop first) as the path heals; its timeout falls during the stop (property: as above)",
            Setup::new(5, 1, R::Ping, 2, 1),
            &[(156563, 16, 1, 0, 0, 1), (147563, 2, 1, 0, 0, 9000), (137866, 4, 0, 0, 112008112, 9000)],
            7288305465753563598,
        ),
    ]
}
