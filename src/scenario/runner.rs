//! Runs one scenario on a fresh `Sim`: steps at their times, triggers when their event
//! is logged, expectations at their times, invariants after every engine step that
//! logged something. At one instant the order is: engine events already due, then the
//! steps (in file order, each followed by the engine events it causes at that instant),
//! then the checks.

use super::expect::{Anchor, Check, GroupTracker, Probe};
use super::file::Scenario;
use super::fold::Folds;
use super::timeline::{fmt_ms, fmt_secs, Action, Agenda, Item, Refusal, Timing};
use crate::model::Model;
use crate::sim::{Event, FaultId, Sim};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// An engine that keeps producing events without advancing time is a bug; stop there.
const MAX_ENGINE_STEPS: u64 = 20_000_000;
/// Log entries a run keeps under [`Keep::Tail`] (~5 MB); older ones are dropped once
/// the expectations have seen them (trimmed when 25 % over).
pub const RUN_LOG_TAIL: usize = 10_000;
/// Events before a failure kept with it (shown under the failure).
pub const CONTEXT_EVENTS: usize = 8;

/// How much of its event log a run hands back in [`Outcome::events`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Keep {
    /// The whole log (for `--events`, `--report`, `--explain`, sweep metrics).
    All,
    /// The last [`RUN_LOG_TAIL`] entries: memory stays constant however long the run.
    Tail,
}

/// What one run of one scenario gave.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub file: String,
    pub name: String,
    pub description: String,
    pub seed: u64,
    /// Virtual time at which the run stopped.
    pub end_ms: u64,
    pub wall: Duration,
    pub failures: Vec<Failure>,
    /// The log, or its tail under [`Keep::Tail`]: `events[0]` is entry `events_dropped`.
    pub events: Vec<Event>,
    /// Entries dropped from the front of `events`.
    pub events_dropped: u64,
    /// A hash of the whole log, entry by entry (the determinism check compares it).
    pub digest: u64,
    pub model: Arc<Model>,
    /// When each step ran (`None`: its trigger never fired, or the run ended first).
    pub step_times: Vec<Option<u64>>,
    pub engine_steps: u64,
}

impl Outcome {
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

/// One failed expectation or step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    /// The expectation (or step) in words.
    pub what: String,
    /// What happened instead.
    pub seen: String,
    /// When it was found to fail.
    pub t_ms: u64,
    /// The length of the event log at that moment: the events before it are `..upto`.
    pub upto: usize,
    /// The last [`CONTEXT_EVENTS`] events before that moment.
    pub context: Vec<Event>,
}

#[derive(Clone, Debug)]
enum XState {
    Pending,
    Passed,
    Failed,
}

struct Run<'a> {
    sc: &'a Scenario,
    sim: Sim,
    agenda: Agenda,
    groups: GroupTracker,
    folds: Folds,
    /// Steps with a `when` trigger that has not fired yet (so a log entry is matched
    /// against the triggers only, not against every step).
    triggers: Vec<usize>,
    keep: Keep,
    digest: std::collections::hash_map::DefaultHasher,
    consumed: usize,
    fired: Vec<bool>,
    step_times: Vec<Option<u64>>,
    faults: BTreeMap<usize, FaultId>,
    xstate: Vec<XState>,
    /// For `within` expectations: (window start, deadline) once known.
    windows: Vec<Option<(u64, u64)>>,
    failures: Vec<(usize, Failure)>,
    end: u64,
}

/// Runs `sc` under `seed`, keeping the whole log.
pub fn run(sc: &Scenario, seed: u64) -> Outcome {
    run_kept(sc, seed, Keep::All)
}

/// Runs `sc` under `seed`, keeping `keep` of the log.
pub fn run_kept(sc: &Scenario, seed: u64, keep: Keep) -> Outcome {
    run_observed_kept(sc, seed, keep, |_| ()).0
}

/// As [`run`], and hands the finished `Sim` to `look` (for views at the end of the run).
pub fn run_observed<T>(sc: &Scenario, seed: u64, look: impl FnOnce(&Sim) -> T) -> (Outcome, T) {
    run_observed_kept(sc, seed, Keep::All, look)
}

fn run_observed_kept<T>(
    sc: &Scenario,
    seed: u64,
    keep: Keep,
    look: impl FnOnce(&Sim) -> T,
) -> (Outcome, T) {
    let started = Instant::now();
    let mut r = Run::new(sc, seed, keep);
    let engine_steps = r.drive();
    r.finish();
    let mut failures = r.failures;
    failures.sort_by_key(|(order, f)| (f.t_ms, *order));
    let seen = look(&r.sim);
    let outcome = Outcome {
        file: sc.file.clone(),
        name: sc.name.clone(),
        description: sc.description.clone(),
        seed,
        end_ms: r.end,
        wall: started.elapsed(),
        failures: failures.into_iter().map(|(_, f)| f).collect(),
        events: r.sim.events().to_vec(),
        events_dropped: r.sim.events_dropped(),
        digest: std::hash::Hasher::finish(&r.digest),
        model: sc.model.clone(),
        step_times: r.step_times,
        engine_steps,
    };
    (outcome, seen)
}

/// One expectation's verdict, for judging a run still going on (exercises, #26).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict {
    /// Decided before the end of the run: `Some(true)` passed (a `within` that held, an
    /// `at` that held), `Some(false)` failed (an invariant broken, a deadline passed).
    pub early: Option<bool>,
    /// The verdict with the run ending now (whole-log checks, invariants held so far).
    pub passed: bool,
    /// What was seen when it failed.
    pub seen: Option<String>,
    /// The step failures of the run (a refused input the scenario did not expect).
    pub step_failures: usize,
}

/// Runs `sc` under `seed` and gives each expectation's [`Verdict`], in file order.
pub fn run_judged(sc: &Scenario, seed: u64) -> Vec<Verdict> {
    let mut r = Run::new(sc, seed, Keep::Tail);
    r.drive();
    let early: Vec<Option<bool>> = r
        .xstate
        .iter()
        .map(|x| match x {
            XState::Pending => None,
            XState::Passed => Some(true),
            XState::Failed => Some(false),
        })
        .collect();
    r.finish();
    let step_failures = r
        .failures
        .iter()
        .filter(|(o, _)| *o >= usize::MAX - 1)
        .count();
    early
        .into_iter()
        .enumerate()
        .map(|(i, early)| Verdict {
            early,
            passed: matches!(r.xstate[i], XState::Passed),
            seen: r
                .failures
                .iter()
                .find(|(o, _)| *o == i)
                .map(|(_, f)| f.seen.clone()),
            step_failures,
        })
        .collect()
}

impl<'a> Run<'a> {
    fn new(sc: &'a Scenario, seed: u64, keep: Keep) -> Run<'a> {
        Run {
            sc,
            sim: sc.start(seed),
            agenda: Agenda::default(),
            groups: GroupTracker::default(),
            folds: Folds::new(sc),
            triggers: sc
                .steps
                .iter()
                .filter(|s| matches!(s.timing, Timing::When { .. }))
                .map(|s| s.index)
                .collect(),
            keep,
            digest: Default::default(),
            consumed: 0,
            fired: vec![false; sc.steps.len()],
            step_times: vec![None; sc.steps.len()],
            faults: BTreeMap::new(),
            xstate: vec![XState::Pending; sc.expectations.len()],
            windows: vec![None; sc.expectations.len()],
            failures: Vec::new(),
            end: sc.planned_end(),
        }
    }

    /// Runs the steps, the engine and the checks to the end; returns the engine steps.
    fn drive(&mut self) -> u64 {
        let r = self;
        r.schedule();
        r.absorb();
        r.probe();
        let mut engine_steps = 0u64;
        let mut stalled = false;
        loop {
            let limit = r.agenda.peek_time().map_or(r.end, |t| t.min(r.end));
            if r.sim.next_event_time().is_some_and(|t| t <= limit) {
                r.sim.step();
                engine_steps += 1;
                if engine_steps >= MAX_ENGINE_STEPS {
                    let t = r.sim.now();
                    r.fail_run(format!(
                        "the engine ran {MAX_ENGINE_STEPS} steps by {}; stopped",
                        fmt_secs(t)
                    ));
                    stalled = true;
                    break;
                }
                if r.absorb() {
                    r.probe();
                }
                continue;
            }
            match r.agenda.peek_time() {
                Some(t) if t <= r.end => {
                    let (t, item) = r.agenda.pop().expect("peeked");
                    r.sim.run_until(t);
                    match item {
                        Item::Step(i) => {
                            r.do_step(i);
                            r.absorb();
                            r.probe();
                        }
                        Item::Check(x) => r.check_item(x),
                    }
                }
                _ => break,
            }
        }
        if !stalled {
            // Every engine event up to the end has run; this only moves the clock.
            r.sim.run_until(r.end);
        }
        engine_steps
    }
}

impl Run<'_> {
    fn schedule(&mut self) {
        for s in &self.sc.steps {
            if let Timing::At(t) = s.timing {
                self.agenda.push(t, Item::Step(s.index));
            }
        }
        for x in &self.sc.expectations {
            match &x.check {
                Check::At { t, .. } => self.agenda.push(*t, Item::Check(x.index)),
                Check::Within {
                    since: Anchor::Time(a),
                    within,
                    ..
                } => {
                    self.windows[x.index] = Some((*a, a.saturating_add(*within)));
                    self.agenda
                        .push(a.saturating_add(*within), Item::Check(x.index));
                }
                _ => {}
            }
        }
    }

    /// Feeds new log entries to the group tracker and the triggers. True if any.
    fn absorb(&mut self) -> bool {
        let sc = self.sc;
        let start = self.consumed;
        while self.consumed < self.sim.events().len() {
            let mut due = Vec::new();
            {
                let e = &self.sim.events()[self.consumed];
                self.groups.observe(e);
                self.folds.observe(sc, e);
                std::hash::Hash::hash(e, &mut self.digest);
                for &i in &self.triggers {
                    if let Timing::When {
                        pattern,
                        from,
                        delay,
                    } = &sc.steps[i].timing
                    {
                        if !self.fired[i] && e.t_ms >= *from && pattern.matches(e, &sc.model) {
                            self.fired[i] = true;
                            due.push((i, *delay));
                        }
                    }
                }
            }
            self.consumed += 1;
            if !due.is_empty() {
                let fired = &self.fired;
                self.triggers.retain(|&i| !fired[i]);
            }
            for (i, delay) in due {
                if delay == 0 {
                    self.do_step(i);
                } else {
                    self.agenda
                        .push(self.sim.now().saturating_add(delay), Item::Step(i));
                }
            }
        }
        let absorbed = self.consumed > start;
        if self.keep == Keep::Tail && self.consumed > RUN_LOG_TAIL + RUN_LOG_TAIL / 4 {
            let dropped = self.sim.trim_log(RUN_LOG_TAIL);
            self.consumed -= dropped as usize;
        }
        absorbed
    }

    /// The log's length so far, dropped entries included.
    fn logged(&self) -> usize {
        self.sim.events_dropped() as usize + self.sim.events().len()
    }

    /// A failure found now, with the events before it.
    fn failure(&self, what: String, seen: String) -> Failure {
        let events = self.sim.events();
        Failure {
            what,
            seen,
            t_ms: self.sim.now(),
            upto: self.logged(),
            context: events[events.len().saturating_sub(CONTEXT_EVENTS)..].to_vec(),
        }
    }

    fn do_step(&mut self, i: usize) {
        let sc = self.sc;
        let step = &sc.steps[i];
        let now = self.sim.now();
        self.step_times[i] = Some(now);
        let result = match &step.action {
            Action::Operate(op) => self.sim.operate(op.clone()).map(|_| None),
            Action::Inject(spec) => self.sim.inject(spec.clone()).map(Some),
            Action::Heal { label, step: j } => match self.faults.get(j) {
                Some(id) => self.sim.heal(*id).map(|_| None),
                None => {
                    self.fail_step(
                        i,
                        format!("the fault `{label}` has not been injected (its step has not run)"),
                    );
                    return;
                }
            },
        };
        match (result, &step.refused) {
            (Ok(id), Refusal::No) => {
                if let Some(id) = id {
                    self.faults.insert(i, id);
                }
            }
            (Ok(_), _) => self.fail_step(i, "accepted, but the step expects a refusal".into()),
            (Err(e), Refusal::No) => self.fail_step(i, format!("refused: {e}")),
            (Err(e), Refusal::Containing(want)) if !e.message().contains(want.as_str()) => self
                .fail_step(
                    i,
                    format!("refused with `{e}`, which does not contain `{want}`"),
                ),
            (Err(_), _) => {}
        }
        // `within` windows anchored on this step open now.
        for x in &sc.expectations {
            if let Check::Within {
                since: Anchor::Step(s),
                within,
                ..
            } = &x.check
            {
                if *s == i && self.windows[x.index].is_none() {
                    let deadline = now.saturating_add(*within);
                    self.windows[x.index] = Some((now, deadline));
                    self.agenda.push(deadline, Item::Check(x.index));
                    self.end = self.end.max(deadline);
                }
            }
        }
    }

    fn fail_step(&mut self, i: usize, seen: String) {
        let f = self.failure(self.sc.steps[i].text.clone(), seen);
        self.failures.push((usize::MAX - 1, f));
    }

    fn fail_run(&mut self, seen: String) {
        let f = self.failure(format!("scenario `{}`", self.sc.name), seen);
        self.failures.push((usize::MAX, f));
    }

    fn fail(&mut self, x: usize, seen: String) {
        self.xstate[x] = XState::Failed;
        let what = format!("expect[{x}] {}", self.sc.expectations[x].text);
        let f = self.failure(what, seen);
        self.failures.push((x, f));
    }

    /// Evaluates the continuous expectations (invariants, open `within` windows) now.
    fn probe(&mut self) {
        let now = self.sim.now();
        let sc = self.sc;
        let mut verdicts = Vec::new();
        {
            let p = Probe::new(&self.sim, &self.groups);
            for x in &sc.expectations {
                if !matches!(self.xstate[x.index], XState::Pending) {
                    continue;
                }
                match &x.check {
                    Check::Always { cond, window } if window.contains(now) => {
                        let o = cond.observe(&p);
                        if !o.holds {
                            verdicts
                                .push((x.index, Some(format!("at {}: {}", fmt_secs(now), o.seen))));
                        }
                    }
                    Check::Never { cond, window } if window.contains(now) => {
                        let o = cond.observe(&p);
                        if o.holds {
                            verdicts
                                .push((x.index, Some(format!("at {}: {}", fmt_secs(now), o.seen))));
                        }
                    }
                    Check::Within { cond, .. } => {
                        if let Some((start, deadline)) = self.windows[x.index] {
                            if now >= start && now <= deadline && cond.observe(&p).holds {
                                verdicts.push((x.index, None));
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        for (x, v) in verdicts {
            match v {
                None => self.xstate[x] = XState::Passed,
                Some(seen) => self.fail(x, seen),
            }
        }
    }

    /// An `at` check, or a `within` deadline.
    fn check_item(&mut self, x: usize) {
        if !matches!(self.xstate[x], XState::Pending) {
            return;
        }
        let now = self.sim.now();
        let seen = {
            let p = Probe::new(&self.sim, &self.groups);
            match &self.sc.expectations[x].check {
                Check::At { cond, .. } | Check::Within { cond, .. } => {
                    let o = cond.observe(&p);
                    if o.holds {
                        None
                    } else {
                        Some(format!("at {}: {}", fmt_secs(now), o.seen))
                    }
                }
                _ => None,
            }
        };
        match seen {
            None => self.xstate[x] = XState::Passed,
            Some(s) => self.fail(x, s),
        }
    }

    /// Whole-log expectations, and windows that never opened.
    fn finish(&mut self) {
        let sc = self.sc;
        for x in &sc.expectations {
            if !matches!(self.xstate[x.index], XState::Pending) {
                continue;
            }
            let verdict = match &x.check {
                Check::Sequence { .. } | Check::Count { .. } => self.folds.verdict(sc, x.index),
                Check::Within {
                    since: Anchor::Step(s),
                    ..
                } if self.windows[x.index].is_none() => Some(format!(
                    "step {} never ran, so the window never opened",
                    self.sc.steps[*s].text
                )),
                Check::Within { .. } | Check::At { .. } => Some(format!(
                    "the run ended at {} before this was checked",
                    fmt_ms(self.end)
                )),
                Check::Always { .. } | Check::Never { .. } => None,
            };
            match verdict {
                Some(seen) => self.fail(x.index, seen),
                None => self.xstate[x.index] = XState::Passed,
            }
        }
    }
}
