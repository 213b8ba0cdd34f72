//! Markdown to safe HTML, done once when an article is saved: CommonMark with tables, strikethrough and
//! task lists; heading anchors that work for Chinese headings; the HTML cleaned with an allowlist (no
//! script, no event handlers, no `javascript:` links, no inline styles); and a plain-text version for
//! search and snippets.

use std::collections::{HashMap, HashSet};

use pulldown_cmark::{CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

/// An article's body, rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub html: String,
    pub text: String,
    /// Headings of level 2 and 3, for a table of contents: (level, anchor, text).
    pub toc: Vec<(u8, String, String)>,
}

fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS
}

/// An anchor for a heading: letters and digits of any script kept (so `退款流程` stays `退款流程`),
/// lower-cased, other runs turned into one `-`.
pub fn anchor(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-').to_string();
    if out.is_empty() {
        "section".into()
    } else {
        out
    }
}

/// The headings of `markdown` with their unique anchors: (level, anchor, text) for every heading.
fn headings(markdown: &str) -> Vec<(HeadingLevel, String, String)> {
    let mut found: Vec<(HeadingLevel, String)> = Vec::new();
    let mut current: Option<(HeadingLevel, String)> = None;
    for ev in Parser::new_ext(markdown, options()) {
        match ev {
            Event::Start(Tag::Heading { level, .. }) => current = Some((level, String::new())),
            Event::Text(t) | Event::Code(t) => {
                if let Some((_, s)) = current.as_mut() {
                    s.push_str(&t);
                }
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some(h) = current.take() {
                    found.push(h);
                }
            }
            _ => {}
        }
    }
    let mut used: HashMap<String, usize> = HashMap::new();
    found
        .into_iter()
        .map(|(level, t)| {
            let base = anchor(&t);
            let n = used.entry(base.clone()).or_insert(0);
            *n += 1;
            let a = if *n == 1 { base } else { format!("{base}-{n}") };
            (level, a, t)
        })
        .collect()
}

/// The table of contents of `markdown`: its level-2 and level-3 headings as (level, anchor, text),
/// with the anchors the rendered HTML has. One parse, without rendering (for each page view).
pub fn toc(markdown: &str) -> Vec<(u8, String, String)> {
    toc_of(&headings(markdown))
}

fn toc_of(headings: &[(HeadingLevel, String, String)]) -> Vec<(u8, String, String)> {
    headings
        .iter()
        .filter(|(l, _, _)| matches!(l, HeadingLevel::H2 | HeadingLevel::H3))
        .map(|(l, a, t)| {
            (
                if *l == HeadingLevel::H2 { 2 } else { 3 },
                a.clone(),
                t.trim().to_string(),
            )
        })
        .collect()
}

/// Renders Markdown.
pub fn render(markdown: &str) -> Rendered {
    // First pass: the text of every heading, to give each a unique anchor.
    let headings = headings(markdown);
    let toc = toc_of(&headings);
    let anchors: Vec<String> = headings.into_iter().map(|(_, a, _)| a).collect();

    // Second pass: HTML with the anchors, and the plain text.
    let mut next_anchor = anchors.into_iter();
    let mut text = String::new();
    let events = Parser::new_ext(markdown, options()).map(|ev| match ev {
        Event::Start(Tag::Heading {
            level,
            classes,
            attrs,
            ..
        }) => Event::Start(Tag::Heading {
            level,
            id: next_anchor.next().map(CowStr::from),
            classes,
            attrs,
        }),
        // Raw HTML in Markdown is shown as text, never interpreted.
        Event::Html(h) | Event::InlineHtml(h) => Event::Text(h),
        other => other,
    });
    let events: Vec<Event> = events.collect();
    for ev in &events {
        match ev {
            Event::Text(t) | Event::Code(t) => text.push_str(t),
            Event::SoftBreak | Event::HardBreak => text.push(' '),
            Event::End(
                TagEnd::Paragraph
                | TagEnd::Heading(_)
                | TagEnd::Item
                | TagEnd::TableCell
                | TagEnd::CodeBlock,
            ) => text.push('\n'),
            _ => {}
        }
    }
    let mut raw = String::new();
    pulldown_cmark::html::push_html(&mut raw, events.into_iter());
    Rendered {
        html: clean(&raw),
        text: text
            .split('\n')
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join("\n"),
        toc,
    }
}

/// Cleans HTML with an allowlist: the tags Markdown produces, `id` on headings, links and images to
/// http(s), relative paths or mail only, every link `rel="noopener noreferrer"`.
pub fn clean(html: &str) -> String {
    let mut b = ammonia::Builder::default();
    let heading_attrs: HashSet<&str> = ["id"].into_iter().collect();
    for h in ["h1", "h2", "h3", "h4", "h5", "h6"] {
        b.add_tag_attributes(h, heading_attrs.iter().copied());
    }
    b.add_tag_attributes("input", ["type", "checked", "disabled"].iter().copied());
    b.add_tags(["input"].iter().copied());
    b.add_tag_attributes("td", ["align"].iter().copied());
    b.add_tag_attributes("th", ["align"].iter().copied());
    b.url_schemes(["http", "https", "mailto"].into_iter().collect());
    b.link_rel(Some("noopener noreferrer"));
    b.clean(html).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_headings_get_working_anchors_and_a_toc() {
        let r = render("# 标题\n\n## 申请退款流程\n\n文字\n\n## 申请退款流程\n\n### Step 2: pay\n");
        assert!(r.html.contains("<h2 id=\"申请退款流程\">"), "{}", r.html);
        assert!(r.html.contains("<h2 id=\"申请退款流程-2\">"), "{}", r.html);
        assert!(r.html.contains("<h3 id=\"step-2-pay\">"), "{}", r.html);
        assert_eq!(r.toc.len(), 3);
        assert_eq!(r.toc[0], (2, "申请退款流程".into(), "申请退款流程".into()));
        assert!(r.text.contains("文字"));
    }

    #[test]
    fn hostile_markdown_is_rendered_inert() {
        for evil in [
            "<script>alert(1)</script>",
            "<img src=x onerror=alert(1)>",
            "[click](javascript:alert(1))",
            "[click](JaVaScRiPt:alert(1))",
            "<a href=\"javascript:alert(1)\">x</a>",
            "![x](javascript:alert(1))",
            "<iframe src=\"https://evil.example\"></iframe>",
            "<div style=\"position:fixed\">x</div>",
            "<svg onload=alert(1)>",
        ] {
            let r = render(evil);
            let lower = r.html.to_lowercase();
            // Raw HTML becomes text: no element or attribute of it survives.
            for bad in [
                "<script",
                "<img src=\"x\"",
                "<img src=\"javascript",
                "<iframe",
                "<svg",
                "<div",
                "<a href=\"javascript",
            ] {
                assert!(!lower.contains(bad), "{evil}: {}", r.html);
            }
        }
    }

    #[test]
    fn ordinary_markdown_survives() {
        let r = render(
            "Text with a [link](/kb/articles/x) and **bold**.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n- [x] done\n",
        );
        assert!(
            r.html
                .contains("<a href=\"/kb/articles/x\" rel=\"noopener noreferrer\">link</a>"),
            "{}",
            r.html
        );
        assert!(r.html.contains("<table>"), "{}", r.html);
        assert!(r.html.contains("<strong>bold</strong>"));
        assert!(
            r.text.starts_with("Text with a link and bold."),
            "{}",
            r.text
        );
    }
}
