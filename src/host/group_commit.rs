//! Group commit for `--state-fsync every-input`: the engine writes each record to the
//! journal and goes on applying the next inputs in order, while the answer waits here
//! for an fsync. This thread takes every answer queued so far, fsyncs once, and then
//! sends them all, so inputs that arrive together (many clients) share one fsync and
//! the rate is no longer bounded by the disk's fsync rate; one sequential client still
//! is (its next input only arrives after its answer).
//!
//! Why it is sound: an answer is queued only after its record's `write` returned, and
//! it is released only after an fsync that *started* after it was queued, so every
//! acknowledged input is on disk. What other clients read meanwhile (the published
//! view) may show an input up to one fsync before it is durable; nothing is answered
//! to its sender before then.

use crate::persist::JournalFile;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::mpsc;
use std::sync::Arc;

/// What to do with an answer once its record is durable (or the fsync failed).
pub type Release = Box<dyn FnOnce(Result<(), String>) + Send>;

struct Pending {
    file: Arc<dyn JournalFile>,
    release: Release,
}

/// The sending side; the thread ends when this is dropped.
#[derive(Debug)]
pub struct GroupCommit {
    tx: mpsc::Sender<Pending>,
}

/// fsyncs run and answers released (shown in `GET /sim/v1/state`).
#[derive(Debug, Default, serde::Serialize)]
pub struct Counters {
    pub fsyncs: AtomicU64,
    pub released: AtomicU64,
}

impl GroupCommit {
    /// Starts the thread (`name`: the cluster, for the thread's name).
    pub fn start(name: &str, counters: Arc<Counters>) -> std::io::Result<GroupCommit> {
        let (tx, rx) = mpsc::channel::<Pending>();
        std::thread::Builder::new()
            .name(format!("fsync {name}"))
            .spawn(move || run(rx, &counters))?;
        Ok(GroupCommit { tx })
    }

    /// Queues `release` behind the next fsync of `file`; if the thread is gone, fsyncs
    /// here (never answers undurably).
    pub fn after_sync(&self, file: Arc<dyn JournalFile>, release: Release) {
        if let Err(mpsc::SendError(p)) = self.tx.send(Pending { file, release }) {
            let r = p.file.sync().map_err(|e| e.to_string());
            (p.release)(r);
        }
    }
}

fn run(rx: mpsc::Receiver<Pending>, counters: &Counters) {
    while let Ok(first) = rx.recv() {
        let mut batch = vec![first];
        batch.extend(rx.try_iter());
        // Usually one file; a rewrite (reset, restore) between records gives two.
        let mut results: Vec<(Arc<dyn JournalFile>, Result<(), String>)> = Vec::new();
        for p in &batch {
            if !results.iter().any(|(f, _)| Arc::ptr_eq(f, &p.file)) {
                let r = p.file.sync().map_err(|e| e.to_string());
                counters.fsyncs.fetch_add(1, Relaxed);
                results.push((p.file.clone(), r));
            }
        }
        counters.released.fetch_add(batch.len() as u64, Relaxed);
        for p in batch {
            let r = results
                .iter()
                .find(|(f, _)| Arc::ptr_eq(f, &p.file))
                .map_or(Ok(()), |(_, r)| r.clone());
            (p.release)(r);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn answers_queued_together_share_an_fsync_and_all_are_released() {
        let dir = tempfile::tempdir().unwrap();
        let raw = Arc::new(std::fs::File::create(dir.path().join("j")).unwrap());
        let file: Arc<dyn JournalFile> = raw.clone();
        let counters = Arc::new(Counters::default());
        let gc = GroupCommit::start("t", counters.clone()).unwrap();
        let (done_tx, done_rx) = mpsc::channel();
        // The first answer's release holds the thread until all others are queued,
        // so those form one batch behind one fsync.
        let (go_tx, go_rx) = mpsc::channel::<()>();
        let mut hold = Some(go_rx);
        for i in 0..200u32 {
            (&*raw).write_all(&i.to_le_bytes()).unwrap();
            let tx = done_tx.clone();
            let h = hold.take();
            let release: Release = Box::new(move |r| {
                if let Some(h) = h {
                    h.recv().unwrap();
                }
                tx.send((i, r)).unwrap()
            });
            gc.after_sync(file.clone(), release);
        }
        go_tx.send(()).unwrap();
        let mut got: Vec<u32> = (0..200)
            .map(|_| {
                let (i, r) = done_rx.recv().unwrap();
                r.unwrap();
                i
            })
            .collect();
        got.sort();
        assert_eq!(got, (0..200).collect::<Vec<_>>());
        assert_eq!(counters.released.load(Relaxed), 200);
        assert!((1..=2).contains(&counters.fsyncs.load(Relaxed)));
    }
}
