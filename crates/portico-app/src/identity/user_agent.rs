//! A readable name for the browser and operating system behind a User-Agent header, for the session
//! list ("Firefox on Windows"). Only the families people recognise; anything else is named as it
//! introduces itself (a script's `curl/8.5`), or "Unknown".

/// Browser and operating system, as shown to people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Described {
    pub browser: String,
    pub os: String,
}

fn version_after(ua: &str, marker: &str) -> Option<String> {
    let rest = &ua[ua.find(marker)? + marker.len()..];
    let major: String = rest.chars().take_while(char::is_ascii_digit).collect();
    (!major.is_empty()).then_some(major)
}

fn named(name: &str, ua: &str, marker: &str) -> String {
    match version_after(ua, marker) {
        Some(v) => format!("{name} {v}"),
        None => name.to_string(),
    }
}

/// Names the browser and OS of a User-Agent string.
pub fn describe(ua: &str) -> Described {
    let ua = ua.trim();
    let browser = if ua.is_empty() {
        "Unknown".to_string()
    } else if ua.contains("Edg/") || ua.contains("EdgA/") || ua.contains("EdgiOS/") {
        named(
            "Edge",
            ua,
            if ua.contains("Edg/") {
                "Edg/"
            } else if ua.contains("EdgA/") {
                "EdgA/"
            } else {
                "EdgiOS/"
            },
        )
    } else if ua.contains("OPR/") {
        named("Opera", ua, "OPR/")
    } else if ua.contains("SamsungBrowser/") {
        named("Samsung Internet", ua, "SamsungBrowser/")
    } else if ua.contains("MicroMessenger/") {
        named("WeChat", ua, "MicroMessenger/")
    } else if ua.contains("Firefox/") || ua.contains("FxiOS/") {
        named(
            "Firefox",
            ua,
            if ua.contains("Firefox/") {
                "Firefox/"
            } else {
                "FxiOS/"
            },
        )
    } else if ua.contains("CriOS/") {
        named("Chrome", ua, "CriOS/")
    } else if ua.contains("Chromium/") {
        named("Chromium", ua, "Chromium/")
    } else if ua.contains("HeadlessChrome/") {
        named("Headless Chrome", ua, "HeadlessChrome/")
    } else if ua.contains("Chrome/") {
        named("Chrome", ua, "Chrome/")
    } else if ua.contains("Safari/") && ua.contains("Version/") {
        named("Safari", ua, "Version/")
    } else if ua.starts_with("Mozilla/") {
        "Unknown browser".to_string()
    } else {
        // A program that names itself first, e.g. `curl/8.5.0` or `python-requests/2.31`.
        ua.split_whitespace()
            .next()
            .unwrap_or("Unknown")
            .chars()
            .take(40)
            .collect()
    };
    let os = if ua.contains("Windows NT") {
        "Windows"
    } else if ua.contains("iPhone") || ua.contains("iPad") || ua.contains("iPod") {
        "iOS"
    } else if ua.contains("Android") {
        "Android"
    } else if ua.contains("CrOS") {
        "ChromeOS"
    } else if ua.contains("Mac OS X") || ua.contains("Macintosh") {
        "macOS"
    } else if ua.contains("HarmonyOS") || ua.contains("OpenHarmony") {
        "HarmonyOS"
    } else if ua.contains("Linux") || ua.contains("X11") {
        "Linux"
    } else {
        "Unknown"
    };
    Described {
        browser,
        os: os.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::describe;

    #[test]
    fn names_common_browsers_and_systems() {
        let cases = [
            (
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
                "Chrome 131",
                "Windows",
            ),
            (
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.86",
                "Edge 131",
                "Windows",
            ),
            (
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_7_1) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
                "Safari 18",
                "macOS",
            ),
            (
                "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
                "Safari 18",
                "iOS",
            ),
            (
                "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
                "Firefox 133",
                "Linux",
            ),
            (
                "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36",
                "Samsung Internet 26",
                "Android",
            ),
            (
                "Mozilla/5.0 (Linux; Android 13; V2183A) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/116.0.0.0 Mobile Safari/537.36 MicroMessenger/8.0.47",
                "WeChat 8",
                "Android",
            ),
            ("curl/8.5.0", "curl/8.5.0", "Unknown"),
            ("", "Unknown", "Unknown"),
        ];
        for (ua, browser, os) in cases {
            let d = describe(ua);
            assert_eq!((d.browser.as_str(), d.os.as_str()), (browser, os), "{ua}");
        }
    }
}
