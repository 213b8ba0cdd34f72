//! Minimal scoped fork-join: `par_map` runs `f(0..n)` on up to `threads`
//! threads (the caller included) with dynamic claiming of items, so a core
//! that is busy elsewhere just takes fewer items.

use std::sync::atomic::{AtomicUsize, Ordering};

/// `(0..n).map(f).collect()`, computed in parallel; results are in order.
/// Should a worker thread die, its items are recomputed on the caller.
pub(crate) fn par_map<T: Send>(n: usize, threads: usize, f: impl Fn(usize) -> T + Sync) -> Vec<T> {
    let threads = threads.min(n);
    if threads <= 1 {
        return (0..n).map(&f).collect();
    }
    let next = AtomicUsize::new(0);
    let work = || {
        let mut done = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            if i >= n {
                break;
            }
            done.push((i, f(i)));
        }
        done
    };
    let mut slots: Vec<Option<T>> = (0..n).map(|_| None).collect();
    std::thread::scope(|s| {
        let handles: Vec<_> = (1..threads).map(|_| s.spawn(work)).collect();
        let mut put = |items: Vec<(usize, T)>| {
            for (i, v) in items {
                if let Some(slot) = slots.get_mut(i) {
                    *slot = Some(v);
                }
            }
        };
        put(work());
        for h in handles {
            if let Ok(items) = h.join() {
                put(items);
            }
        }
    });
    slots
        .into_iter()
        .enumerate()
        .map(|(i, v)| v.unwrap_or_else(|| f(i)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_are_in_order() {
        for threads in [0, 1, 2, 4, 9] {
            for n in [0, 1, 2, 7, 100] {
                let v = par_map(n, threads, |i| i * i);
                assert_eq!(v, (0..n).map(|i| i * i).collect::<Vec<_>>());
            }
        }
    }
}
