//! A workspace folder: its root and its analysis host (the engine's single
//! writer of that folder's inputs), and the disk readings that feed it, one
//! at a time.

use super::lsp;
use super::uri;
use crate::disk;
use mantile_engine::{Affected, Analysis, AnalysisHost, Scope};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

pub struct Folder {
    /// Unique among the folders of a session (ids of pulled results).
    pub id: u64,
    /// The Mantile workspace root.
    pub root: PathBuf,
    /// The folder as the client named it (for `workspace/configuration`'s
    /// `scopeUri`; the root's own URI when the client named none).
    pub uri: lsp::Uri,
    host: Mutex<AnalysisHost>,
    /// Held while the disk is read and what was read is recorded, so that
    /// readings are recorded in the order they were taken.
    disk_lock: tokio::sync::Mutex<()>,
    /// Full readings asked for, and the number of asks the last one
    /// covered (taken when it started): asks made before a reading started
    /// need no reading of their own.
    scans_asked: AtomicU64,
    scans_covered: AtomicU64,
}

/// A lock that a panic elsewhere leaves usable: the host's state is
/// replaced whole by each change, never left half-written.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Folder {
    pub fn new(root: PathBuf, uri: Option<lsp::Uri>) -> Folder {
        static IDS: AtomicU64 = AtomicU64::new(0);
        let uri = uri.unwrap_or_else(|| uri::from_path(&root));
        Folder {
            id: IDS.fetch_add(1, Ordering::Relaxed) + 1,
            root,
            uri,
            host: Mutex::new(AnalysisHost::new(Scope::Workspace)),
            disk_lock: tokio::sync::Mutex::new(()),
            scans_asked: AtomicU64::new(0),
            scans_covered: AtomicU64::new(0),
        }
    }

    /// Applies a change to the folder's inputs; returns what it affects and
    /// the generation it made.
    pub fn write(&self, f: impl FnOnce(&mut AnalysisHost) -> Affected) -> (Affected, u64) {
        let mut host = lock(&self.host);
        let affected = f(&mut host);
        (affected, host.generation())
    }

    /// The current state, to query.
    pub fn analysis(&self) -> Analysis {
        lock(&self.host).analysis()
    }

    /// The current state, with the generation of the last change that
    /// affected `rel` (the same for the same results).
    pub fn analysis_with_stamp(&self, rel: &str) -> (Analysis, u64) {
        let host = lock(&self.host);
        (host.analysis(), host.stamp(rel))
    }

    /// Whether results for `rel` from an analysis of `generation` are still
    /// the latest.
    pub fn is_current(&self, rel: &str, generation: u64) -> bool {
        lock(&self.host).is_current(rel, generation)
    }

    /// Of `paths`, those no change since `generation` has affected (the
    /// others have a later check of their own), with the current state.
    pub fn still_due(&self, paths: &Affected, generation: u64) -> (Vec<String>, Analysis) {
        let host = lock(&self.host);
        let due = paths
            .iter()
            .filter(|p| host.stamp(p) <= generation)
            .map(|p| p.to_string())
            .collect();
        (due, host.analysis())
    }

    /// A path's place in this folder, if it is inside it.
    pub fn relative(&self, path: &Path) -> Option<String> {
        disk::relative(&self.root, path)
    }

    pub fn uri_of(&self, rel: &str) -> lsp::Uri {
        uri::from_path(&self.root.join(rel))
    }

    /// Reads the whole folder from disk and records it (`read` does the
    /// blocking reading, off the runtime). Asks that arrive while a reading
    /// is under way are covered by the next one, which starts after it:
    /// a reading never records what it read after a later reading did.
    /// Returns `None` when an earlier reading already covered this ask.
    pub async fn scan<F, Fut>(&self, read: F) -> Option<(Affected, u64)>
    where
        F: FnOnce(PathBuf) -> Fut,
        Fut: Future<Output = Option<mantile_engine::DiskState>>,
    {
        let ask = self.scans_asked.fetch_add(1, Ordering::SeqCst) + 1;
        let _g = self.disk_lock.lock().await;
        if self.scans_covered.load(Ordering::SeqCst) >= ask {
            return None;
        }
        // Every ask made until now is covered by this reading.
        let covers = self.scans_asked.load(Ordering::SeqCst);
        let state = read(self.root.clone()).await?;
        let changed = self.write(|h| h.set_disk(state));
        self.scans_covered.store(covers, Ordering::SeqCst);
        Some(changed)
    }

    /// Reads some files again (a save, a watched change) and records them,
    /// in turn with the full readings.
    pub async fn refresh<F, Fut>(&self, read: F) -> (Affected, u64)
    where
        F: FnOnce(PathBuf) -> Fut,
        Fut: Future<Output = Vec<(String, Option<mantile_engine::Content>)>>,
    {
        let _g = self.disk_lock.lock().await;
        let read = read(self.root.clone()).await;
        self.write(|h| {
            let mut affected = Affected::default();
            for (rel, content) in read {
                let Some(kind) = mantile_engine::classify(&rel) else {
                    continue;
                };
                affected.extend(match content {
                    Some(c) => h.set_disk_file(&rel, kind, c),
                    None => h.remove_disk_file(&rel),
                });
            }
            affected
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mantile_engine::{Content, DiskState, FileKind};
    use std::sync::Arc;
    use std::time::Duration;

    const PATH: &str = "backend/data/model_configs/x.json";

    fn state(text: &str) -> DiskState {
        DiskState {
            listed: vec![PATH.into()],
            files: vec![(PATH.into(), FileKind::Config, Content::text(text))],
            ..Default::default()
        }
    }

    /// Readings that overlap are recorded in the order they started: a slow
    /// reading that started first never replaces a later one; asks made
    /// while a reading is under way share the next one.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn readings_are_recorded_in_the_order_they_started() {
        let folder = Arc::new(Folder::new(PathBuf::from("/ws"), None));
        let (f, reads) = (folder.clone(), Arc::new(AtomicU64::new(0)));
        let r = reads.clone();
        let slow = tokio::spawn(async move {
            f.scan(|_| async move {
                r.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(200)).await;
                Some(state("{\"old\": 1}"))
            })
            .await
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        let mut later = Vec::new();
        for text in ["{\"new\": 1}", "{\"newer\": 1}"] {
            let (f, r) = (folder.clone(), reads.clone());
            later.push(tokio::spawn(async move {
                f.scan(|_| async move {
                    r.fetch_add(1, Ordering::SeqCst);
                    Some(state(text))
                })
                .await
            }));
        }
        assert!(slow.await.unwrap().is_some());
        let mut recorded = 0;
        for l in later {
            recorded += l.await.unwrap().is_some() as usize;
        }
        // The two asks made during the slow reading took one reading.
        assert_eq!((recorded, reads.load(Ordering::SeqCst)), (1, 2));
        let text = folder.analysis().text(PATH).unwrap();
        assert_ne!(&*text, "{\"old\": 1}", "the slow, earlier reading lost");
    }
}
