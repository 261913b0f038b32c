//! Faces over the whole fleet (`serve --fleet FLEET.yaml --face commissaire=ADDR`):
//! managers of many clusters, so they get the fleet rather than one cluster
//! (`crate::faces::FLEET_FACES`). Each is served on its own listener; the listener
//! stops when the fleet is dropped. A face holds only a `Weak` reference to the fleet,
//! so serving it never keeps the fleet alive.

use super::fleet::Fleet;
use super::listeners;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use tokio::sync::watch;

/// Stop signals of the fleet faces' listeners; sends stop when dropped.
#[derive(Default)]
pub struct FleetFaceStops(Mutex<Vec<watch::Sender<bool>>>);

impl Drop for FleetFaceStops {
    fn drop(&mut self) {
        for s in self.0.lock().unwrap_or_else(|p| p.into_inner()).iter() {
            let _ = s.send(true);
        }
    }
}

/// Starts one listener per fleet face; returns (face name, address bound).
pub async fn start(
    fleet: &Arc<Fleet>,
    faces: &[(String, SocketAddr)],
) -> anyhow::Result<Vec<(String, SocketAddr)>> {
    let mut out = Vec::new();
    for (name, addr) in faces {
        let Some(face) = crate::faces::fleet_face(name) else {
            continue;
        };
        let Some(first) = fleet.first() else {
            anyhow::bail!("face {name}: the fleet has no cluster");
        };
        let (stop, stop_rx) = watch::channel(false);
        let shared = listeners::Shared {
            app: first.app.clone(),
            router: (face.router)(Arc::downgrade(fleet)),
            tls: fleet.settings.tls.clone(),
            max_connections: fleet.settings.max_connections,
            past_max: fleet.settings.defaults.past_max_connections,
            dead_address: fleet.settings.defaults.dead_address,
            stop: stop_rx,
        };
        let bound = listeners::start(shared, *addr, false)
            .await
            .map_err(|e| anyhow::anyhow!("face {name}: {e:#}"))?;
        fleet
            .face_stops
            .0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(stop);
        out.push((name.clone(), bound.main));
    }
    Ok(out)
}
