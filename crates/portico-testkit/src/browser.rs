//! Headless Chromium through ChromeDriver (WebDriver), with an axe-core accessibility audit. Needs the
//! Debian packages `chromium` and `chromium-driver`, and axe-core from `tests/browser/node_modules`
//! (`npm ci --prefix tests/browser`); `.ci/run` installs all three.

use std::collections::BTreeSet;
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
        Self::start_with_env(extra_args, &[]).await
    }

    /// Starts Chromium that sees only the fonts of a [`FontsWithoutCjk`] (to check that a test notices
    /// missing CJK fonts).
    pub async fn start_without_cjk_fonts(fonts: &FontsWithoutCjk) -> Option<Browser> {
        let conf = fonts.config.display().to_string();
        Self::start_with_env(&[], &[("FONTCONFIG_FILE", conf.as_str())]).await
    }

    /// Starts Chromium with extra command-line switches and environment variables (ChromeDriver passes
    /// its environment on to the browser).
    pub async fn start_with_env(extra_args: &[&str], env: &[(&str, &str)]) -> Option<Browser> {
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
            .envs(env.iter().copied())
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

    /// Clicks the first element matching `css`.
    pub async fn click(&self, css: &str) {
        self.client
            .find(fantoccini::Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"))
            .click()
            .await
            .unwrap_or_else(|e| panic!("clicking {css}: {e}"));
    }

    /// Waits until an element matches `css`.
    pub async fn wait_for(&self, css: &str) {
        self.client
            .wait()
            .for_element(fantoccini::Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("waiting for {css}: {e}"));
    }

    /// Waits (up to 10 s) until the page holds `text`, e.g. after a form post whose page looks like the
    /// one before it (an element that both have would be found at once); panics if it never does.
    pub async fn wait_for_text(&self, text: &str) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            if self.client.source().await.is_ok_and(|s| s.contains(text)) {
                return;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the page never showed {text:?}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }

    /// Clears the field matching `css` and types `text` into it.
    pub async fn type_into(&self, css: &str, text: &str) {
        let el = self
            .client
            .find(fantoccini::Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"));
        el.clear()
            .await
            .unwrap_or_else(|e| panic!("clearing {css}: {e}"));
        el.send_keys(text)
            .await
            .unwrap_or_else(|e| panic!("typing into {css}: {e}"));
    }

    /// Signs in through the sign-in page (`base` is the portal's address), going on to `next`.
    pub async fn sign_in(&self, base: &str, email: &str, password: &str, next: &str) {
        self.client
            .goto(&format!("{base}/login?next={next}"))
            .await
            .expect("open the sign-in page");
        self.type_into("input[name=\"email\"]", email).await;
        self.type_into("input[name=\"password\"]", password).await;
        self.click("form[action=\"/login\"] button[type=\"submit\"]")
            .await;
    }

    /// Switches the page's language with the switcher unless it is `lang` already.
    pub async fn use_language(&self, lang: &str) {
        let current = self
            .client
            .find(fantoccini::Locator::Css("html"))
            .await
            .expect("html")
            .attr("lang")
            .await
            .expect("lang");
        if current.as_deref() != Some(lang) {
            self.click(&format!("form.lang-switch button[value=\"{lang}\"]"))
                .await;
            self.wait_for(&format!("html[lang=\"{lang}\"]")).await;
        }
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

    /// Draws two different Han characters from the text of the first element matching `css`, each on
    /// its own canvas in that element's computed font, and compares the pixels with each other and with
    /// an unassigned code point (U+10FFFD) drawn the same way. Without CJK fonts every Han character
    /// is drawn as the same missing-glyph box (tofu), so equal bitmaps mean tofu.
    pub async fn han_glyphs(&self, css: &str) -> HanGlyphs {
        let script = r#"
            const [css, done] = [arguments[0], arguments[arguments.length - 1]];
            document.fonts.ready.then(() => {
              const el = document.querySelector(css);
              if (!el) return done({error: 'no element ' + css});
              const han = [...new Set(el.textContent.match(/\p{Script=Han}/gu) || [])];
              if (han.length < 2) return done({error: 'fewer than two Han characters in ' + css});
              const s = getComputedStyle(el);
              const font = `${s.fontStyle} ${s.fontWeight} 48px ${s.fontFamily}`;
              const draw = ch => {
                const c = document.createElement('canvas');
                c.width = 64; c.height = 64;
                const ctx = c.getContext('2d');
                ctx.font = font;
                if (!ctx.font.includes('48px')) return null;
                ctx.fillStyle = '#000';
                ctx.textBaseline = 'middle';
                ctx.fillText(ch, 8, 32);
                const px = ctx.getImageData(0, 0, 64, 64).data;
                let ink = 0;
                for (let i = 3; i < px.length; i += 4) if (px[i]) ink++;
                return {key: Array.prototype.join.call(px, ','), ink};
              };
              const [a, b, missing] = [draw(han[0]), draw(han[1]), draw('\u{10FFFD}')];
              if (!a || !b || !missing) return done({error: 'the canvas did not accept the font ' + font});
              done({chars: han[0] + han[1], font, ink: Math.min(a.ink, b.ink),
                    same_pair: a.key === b.key,
                    same_as_missing: a.key === missing.key || b.key === missing.key});
            });"#;
        let out = self
            .client
            .execute_async(script, vec![css.into()])
            .await
            .expect("draw Han characters");
        if let Some(e) = out.get("error").and_then(Value::as_str) {
            panic!("{e}");
        }
        HanGlyphs {
            chars: out["chars"].as_str().unwrap_or_default().to_string(),
            font: out["font"].as_str().unwrap_or_default().to_string(),
            ink: out["ink"].as_u64().unwrap_or_default(),
            same_pair: out["same_pair"].as_bool().unwrap_or(true),
            same_as_missing: out["same_as_missing"].as_bool().unwrap_or(true),
        }
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

/// What [`Browser::han_glyphs`] found.
#[derive(Debug)]
pub struct HanGlyphs {
    /// The two characters drawn.
    pub chars: String,
    /// The canvas font they were drawn in.
    pub font: String,
    /// Pixels drawn for the character with less ink.
    pub ink: u64,
    /// Both characters drew the same bitmap.
    pub same_pair: bool,
    /// One of them drew what an unassigned code point draws.
    pub same_as_missing: bool,
}

impl HanGlyphs {
    /// The characters were drawn as missing-glyph boxes, or not at all.
    pub fn is_tofu(&self) -> bool {
        self.same_pair || self.same_as_missing || self.ink == 0
    }
}

/// A fontconfig configuration offering every installed font except those that cover Chinese, for a
/// browser started with [`Browser::start_without_cjk_fonts`]. Needs `fc-list`.
pub struct FontsWithoutCjk {
    config: PathBuf,
    _dir: tempfile::TempDir,
}

impl FontsWithoutCjk {
    /// None when `fc-list` is missing, or every font covers Chinese.
    pub fn new() -> Option<FontsWithoutCjk> {
        let list = |pattern: &[&str]| -> Option<BTreeSet<PathBuf>> {
            let out = Command::new("fc-list")
                .args(pattern)
                .args(["--format", "%{file}\n"])
                .output()
                .ok()?;
            out.status.success().then(|| {
                String::from_utf8_lossy(&out.stdout)
                    .lines()
                    .map(PathBuf::from)
                    .collect()
            })
        };
        let all = list(&[])?;
        let cjk = list(&[":lang=zh"])?;
        let others: Vec<&PathBuf> = all.difference(&cjk).collect();
        if others.is_empty() {
            return None;
        }
        let dir = tempfile::tempdir().ok()?;
        let fonts = dir.path().join("fonts");
        std::fs::create_dir(&fonts).ok()?;
        for (i, file) in others.into_iter().enumerate() {
            let name = file.file_name()?.to_string_lossy().to_string();
            std::os::unix::fs::symlink(file, fonts.join(format!("{i}-{name}"))).ok()?;
        }
        let config = dir.path().join("fonts.conf");
        let xml = format!(
            "<?xml version=\"1.0\"?>\n<!DOCTYPE fontconfig SYSTEM \"fonts.dtd\">\n<fontconfig>\n  \
             <dir>{}</dir>\n  <cachedir>{}</cachedir>\n</fontconfig>\n",
            fonts.display(),
            dir.path().join("cache").display()
        );
        std::fs::write(&config, xml).ok()?;
        Some(FontsWithoutCjk { config, _dir: dir })
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
    }
}
