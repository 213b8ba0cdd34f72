//! A readable line diff between two versions of an article's Markdown (longest common subsequence of
//! lines). Long texts are compared in full up to a bound; beyond it the rest is shown as changed.

/// One line of a comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line {
    Same(String),
    Removed(String),
    Added(String),
}

/// Lines compared at most (the table is `MAX_LINES`² cells).
pub const MAX_LINES: usize = 3000;

/// The lines of `old` and `new`, each kept, removed or added, in reading order.
pub fn diff(old: &str, new: &str) -> Vec<Line> {
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    // Common start and end first: most edits touch a few lines in the middle.
    let mut start = 0;
    while start < a.len() && start < b.len() && a[start] == b[start] {
        start += 1;
    }
    let mut end = 0;
    while end < a.len() - start
        && end < b.len() - start
        && a[a.len() - 1 - end] == b[b.len() - 1 - end]
    {
        end += 1;
    }
    let (ma, mb) = (&a[start..a.len() - end], &b[start..b.len() - end]);
    let mut out: Vec<Line> = a[..start].iter().map(|l| Line::Same((*l).into())).collect();
    if ma.len() > MAX_LINES || mb.len() > MAX_LINES {
        out.extend(ma.iter().map(|l| Line::Removed((*l).into())));
        out.extend(mb.iter().map(|l| Line::Added((*l).into())));
    } else {
        // lcs[i][j]: length of the longest common subsequence of ma[i..] and mb[j..].
        let (n, m) = (ma.len(), mb.len());
        let mut lcs = vec![vec![0u32; m + 1]; n + 1];
        for i in (0..n).rev() {
            for j in (0..m).rev() {
                lcs[i][j] = if ma[i] == mb[j] {
                    lcs[i + 1][j + 1] + 1
                } else {
                    lcs[i + 1][j].max(lcs[i][j + 1])
                };
            }
        }
        let (mut i, mut j) = (0, 0);
        while i < n || j < m {
            if i < n && j < m && ma[i] == mb[j] {
                out.push(Line::Same(ma[i].into()));
                i += 1;
                j += 1;
            } else if j < m && (i == n || lcs[i][j + 1] >= lcs[i + 1][j]) {
                out.push(Line::Added(mb[j].into()));
                j += 1;
            } else {
                out.push(Line::Removed(ma[i].into()));
                i += 1;
            }
        }
    }
    out.extend(a[a.len() - end..].iter().map(|l| Line::Same((*l).into())));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_what_changed_between_versions() {
        let d = diff("# 标题\na\nb\nc\n", "# 标题\na\nB\nc\nd\n");
        assert_eq!(
            d,
            vec![
                Line::Same("# 标题".into()),
                Line::Same("a".into()),
                Line::Added("B".into()),
                Line::Removed("b".into()),
                Line::Same("c".into()),
                Line::Added("d".into()),
            ]
        );
        assert!(
            diff("same\n", "same\n")
                .iter()
                .all(|l| matches!(l, Line::Same(_)))
        );
        assert_eq!(diff("", "x"), vec![Line::Added("x".into())]);
    }
}
