//! Group commit keeps every acknowledged input: 16 clients post faults at the same
//! time to the real binary with `--state DIR` (fsync per input, answers released by
//! shared fsyncs), which is SIGKILLed at random moments; after each restart every
//! acknowledged input is in the journal, in each client's order, and fewer fsyncs than
//! answers were needed (the inputs did share them).

mod rest_support;

use clustersim::host::journal::Journal;
use clustersim::sim::Input;
use rand::{Rng, SeedableRng};
use rest_support::process::{spawn_serve, Proc};
use rest_support::request_to;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const CLIENTS: u64 = 16;

fn spawn(dir: &std::path::Path) -> Proc {
    let dir = dir.as_os_str();
    spawn_serve(&[
        "--clock".as_ref(),
        "manual".as_ref(),
        "--state".as_ref(),
        dir,
    ])
}

/// The fault a client's i-th input is: its duration names (client, i).
fn body(client: u64, i: u64) -> String {
    let ms = 1_000_000 * (client + 1) + i;
    format!(r#"{{"kind":"monitor-result","monitor":"fipw1","result":"error","duration_ms":{ms}}}"#)
}

/// (client, i) of each journaled fault, in journal order.
fn journaled(p: &Proc) -> Vec<(u64, u64)> {
    let agent = ureq::agent();
    let auth = Some(("user", "password"));
    let j: Journal = serde_json::from_value(
        request_to(&agent, &p.base, "GET", "/sim/v1/journal", None, auth).body,
    )
    .unwrap();
    j.entries
        .iter()
        .map(|e| match &e.input {
            Input::Fault(f) => {
                let ms = f.duration_ms.expect("a duration");
                (ms / 1_000_000 - 1, ms % 1_000_000)
            }
            other => panic!("unexpected input {other:?}"),
        })
        .collect()
}

#[test]
fn concurrent_clients_killed_at_random_lose_nothing_acknowledged() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    // Per client: the next i to send, and how many were acknowledged so far.
    let next: Arc<Mutex<Vec<u64>>> = Arc::new(Mutex::new(vec![0; CLIENTS as usize]));
    let mut acked = vec![0u64; CLIENTS as usize];
    let mut shared = false;
    for cycle in 0..6 {
        let mut p = spawn(dir.path());
        let j = journaled(&p);
        for c in 0..CLIENTS {
            let mine: Vec<u64> = j.iter().filter(|x| x.0 == c).map(|x| x.1).collect();
            let sent = next.lock().unwrap()[c as usize];
            assert_eq!(
                mine,
                (0..mine.len() as u64).collect::<Vec<_>>(),
                "client {c}"
            );
            assert!(
                mine.len() as u64 >= acked[c as usize],
                "cycle {cycle}: client {c}: {} journaled, {} acknowledged",
                mine.len(),
                acked[c as usize]
            );
            assert!(mine.len() as u64 <= sent);
            next.lock().unwrap()[c as usize] = mine.len() as u64;
        }
        if cycle == 5 {
            break;
        }
        let acks: Arc<Mutex<Vec<u64>>> = Arc::new(Mutex::new(acked.clone()));
        let drivers: Vec<_> = (0..CLIENTS)
            .map(|c| {
                let (base, next, acks) = (p.base.clone(), next.clone(), acks.clone());
                std::thread::spawn(move || {
                    let agent = ureq::AgentBuilder::new()
                        .timeout(Duration::from_secs(5))
                        .build();
                    loop {
                        let i = next.lock().unwrap()[c as usize];
                        next.lock().unwrap()[c as usize] = i + 1;
                        let r = agent
                            .post(&format!("{base}/sim/v1/faults"))
                            .set("Authorization", "Basic dXNlcjpwYXNzd29yZA==")
                            .send_string(&body(c, i));
                        match r {
                            Ok(resp) if resp.status() == 201 || resp.status() == 200 => {
                                acks.lock().unwrap()[c as usize] = i + 1;
                            }
                            Ok(resp) => panic!("client {c}: status {}", resp.status()),
                            Err(ureq::Error::Status(s, r)) => {
                                panic!("client {c}: {s} {}", r.into_string().unwrap())
                            }
                            Err(_) => return, // killed
                        }
                    }
                })
            })
            .collect();
        std::thread::sleep(Duration::from_millis(rng.gen_range(150..400)));
        let state = request_to(
            &ureq::agent(),
            &p.base,
            "GET",
            "/sim/v1/state",
            None,
            Some(("user", "password")),
        )
        .body;
        let gc = &state["group_commit"];
        let (fsyncs, released) = (gc["fsyncs"].as_u64(), gc["released"].as_u64());
        shared |= fsyncs.unwrap() < released.unwrap();
        p.kill(); // SIGKILL
        for d in drivers {
            d.join().unwrap();
        }
        acked = acks.lock().unwrap().clone();
    }
    assert!(acked.iter().sum::<u64>() > 100, "too few inputs: {acked:?}");
    assert!(shared, "no fsync ever covered more than one answer");
}
