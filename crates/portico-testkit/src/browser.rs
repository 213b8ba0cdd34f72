//! Headless Chromium through ChromeDriver (WebDriver), with an axe-core accessibility audit. Needs the
//! Debian packages `chromium` and `chromium-driver`, and axe-core from `tests/browser/node_modules`
//! (`npm ci --prefix tests/browser`); `.ci/run` installs all three.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};

/// Phone and desktop viewports every journey is checked at, and the narrowest supported width.
pub const PHONE: (u32, u32) = (390, 844);
pub const NARROW: (u32, u32) = (360, 740);
pub const DESKTOP: (u32, u32) = (1280, 800);

fn find_binary(env: &str, candidates: &[&str]) -> Option<PathBuf> {
    if let Ok(p) = std::env::var(env) {
        return Some(PathBuf::from(p));
    }
    candidates.iter().map(PathBuf::from).find(|p| p.exists())
}

fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The axe-core script, if installed.
pub fn axe_source() -> Option<String> {
    let path = std::env::var("AXE_CORE_PATH")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            workspace_root().join("tests/browser/node_modules/axe-core/axe.min.js")
        });
    std::fs::read_to_string(path).ok()
}

/// A ChromeDriver process plus one browser session; both end on drop.
pub struct Browser {
    pub client: Client,
    driver: Child,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// Starts Chromium, or returns None (after [`crate::skip`]) when it is not installed.
    pub async fn start() -> Option<Browser> {
        Self::start_with(&[]).await
    }

    /// Starts Chromium with the system preferring a dark colour scheme.
    pub async fn start_dark() -> Option<Browser> {
        Self::start_with(&[
            "--blink-settings=preferredColorScheme=0",
            "--force-dark-mode",
        ])
        .await
    }

    /// Starts Chromium with extra command-line switches.
    pub async fn start_with(extra_args: &[&str]) -> Option<Browser> {
        let Some(chromium) = find_binary(
            "CHROMIUM_PATH",
            &["/usr/bin/chromium", "/usr/bin/chromium-browser"],
        ) else {
            crate::skip("Chromium (apt-get install chromium)");
            return None;
        };
        let Some(driver_bin) = find_binary("CHROMEDRIVER_PATH", &["/usr/bin/chromedriver"]) else {
            crate::skip("ChromeDriver (apt-get install chromium-driver)");
            return None;
        };
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("free port");
        let driver = Command::new(driver_bin)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let profile = tempfile::tempdir().expect("profile dir");
        let mut args: Vec<String> = [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
        ]
        .iter()
        .map(|a| a.to_string())
        .collect();
        args.push(format!("--user-data-dir={}", profile.path().display()));
        args.extend(extra_args.iter().map(|a| a.to_string()));
        let caps = json!({
            "goog:chromeOptions": {
                "binary": chromium.display().to_string(),
                "args": args,
            }
        });

        let caps = match caps {
            Value::Object(m) => m,
            _ => unreachable!(),
        };
        let url = format!("http://127.0.0.1:{port}");
        let mut last_err = String::new();
        for _ in 0..100 {
            match ClientBuilder::new(HttpConnector::new())
                .capabilities(caps.clone())
                .connect(&url)
                .await
            {
                Ok(client) => {
                    return Some(Browser {
                        client,
                        driver,
                        _profile: profile,
                    });
                }
                Err(e) => last_err = e.to_string(),
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("could not start a Chromium session: {last_err}");
    }

    pub async fn resize(&self, (w, h): (u32, u32)) {
        self.client.set_window_size(w, h).await.expect("resize");
    }

    /// Runs axe-core on the current page and fails the test on any serious or critical violation.
    pub async fn assert_accessible(&self, what: &str) {
        let Some(axe) = axe_source() else {
            crate::skip("axe-core (npm ci --prefix tests/browser)");
            return;
        };
        self.client
            .execute(&format!("{axe}\nreturn true;"), vec![])
            .await
            .expect("inject axe");
        let script = "const done = arguments[arguments.length - 1];\
            axe.run(document, {resultTypes: ['violations']})\
              .then(r => done(JSON.stringify(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)})))))\
              .catch(e => done(JSON.stringify([{id: 'axe-error', impact: 'critical', help: String(e), nodes: []}])));";
        let out = self
            .client
            .execute_async(script, vec![])
            .await
            .expect("run axe");
        let violations: Vec<Value> =
            serde_json::from_str(out.as_str().unwrap_or("[]")).unwrap_or_default();
        let bad: Vec<&Value> = violations
            .iter()
            .filter(|v| matches!(v["impact"].as_str(), Some("serious") | Some("critical")))
            .collect();
        assert!(
            bad.is_empty(),
            "accessibility violations on {what}: {}",
            serde_json::to_string_pretty(&bad).unwrap_or_default()
        );
    }

    /// True when the page is wider than the viewport (horizontal scrolling).
    pub async fn scrolls_horizontally(&self) -> bool {
        let v = self
            .client
            .execute(
                "return document.documentElement.scrollWidth > window.innerWidth;",
                vec![],
            )
            .await
            .expect("measure");
        v.as_bool().unwrap_or(true)
    }

    /// Saves a screenshot under `target/screenshots/NAME.png` for people to look at.
    pub async fn screenshot(&self, name: &str) {
        if let Ok(png) = self.client.screenshot().await {
            let dir = workspace_root().join("target/screenshots");
            let _ = std::fs::create_dir_all(&dir);
            let _ = std::fs::write(dir.join(format!("{name}.png")), png);
        }
    }

    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
    }
}
