//! A tiny scoped worker pool: [`scoped`] starts `threads - 1` helper threads
//! for the duration of one encoder pass (instead of one spawn per matrix
//! product); [`Pool::map`] then hands out the items of a job dynamically. The
//! calling thread takes items too and never waits for a helper that has not
//! claimed anything, so a core that is busy elsewhere only means fewer
//! items done by its helper.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};

type ItemFn<'env> = dyn Fn(usize) -> Vec<f32> + Send + Sync + 'env;

struct Job<'env> {
    f: Box<ItemFn<'env>>,
    items: usize,
    next: AtomicUsize,
    /// Finished items; `None` if computing one panicked.
    done: Mutex<Vec<(usize, Option<Vec<f32>>)>>,
    finished: Condvar,
}

struct Board<'env> {
    generation: u64,
    job: Option<Arc<Job<'env>>>,
    stop: bool,
}

pub(crate) struct Pool<'env> {
    board: Mutex<Board<'env>>,
    posted: Condvar,
    helpers: usize,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Claims and computes items until none are left.
fn run(job: &Job<'_>) {
    loop {
        let i = job.next.fetch_add(1, Ordering::Relaxed);
        if i >= job.items {
            break;
        }
        let r = catch_unwind(AssertUnwindSafe(|| (job.f)(i))).ok();
        lock(&job.done).push((i, r));
        job.finished.notify_all();
    }
}

impl<'env> Pool<'env> {
    /// Whether `map` can run anything in parallel.
    pub(crate) fn parallel(&self) -> bool {
        self.helpers > 0
    }

    /// `(0..items).map(f).collect()`, computed by the caller and the helpers.
    pub(crate) fn map(
        &self,
        items: usize,
        f: impl Fn(usize) -> Vec<f32> + Send + Sync + 'env,
    ) -> Vec<Vec<f32>> {
        if self.helpers == 0 || items <= 1 {
            return (0..items).map(f).collect();
        }
        let job = Arc::new(Job {
            f: Box::new(f),
            items,
            next: AtomicUsize::new(0),
            done: Mutex::new(Vec::with_capacity(items)),
            finished: Condvar::new(),
        });
        {
            let mut b = lock(&self.board);
            b.generation += 1;
            b.job = Some(Arc::clone(&job));
        }
        self.posted.notify_all();
        run(&job);
        let list = {
            let mut done = lock(&job.done);
            // every claimed item is reported, by whichever thread claimed it
            while done.len() < items {
                done = job
                    .finished
                    .wait(done)
                    .unwrap_or_else(PoisonError::into_inner);
            }
            std::mem::take(&mut *done)
        };
        lock(&self.board).job = None;
        let mut slots: Vec<Option<Vec<f32>>> = (0..items).map(|_| None).collect();
        for (i, r) in list {
            if let Some(slot) = slots.get_mut(i) {
                *slot = r;
            }
        }
        slots
            .into_iter()
            .enumerate()
            .map(|(i, r)| r.unwrap_or_else(|| (job.f)(i)))
            .collect()
    }
}

fn helper(pool: &Pool<'_>) {
    let mut seen = 0;
    loop {
        let job = {
            let mut b = lock(&pool.board);
            loop {
                if b.stop {
                    return;
                }
                if b.generation != seen {
                    seen = b.generation;
                    break b.job.clone();
                }
                b = pool.posted.wait(b).unwrap_or_else(PoisonError::into_inner);
            }
        };
        if let Some(job) = job {
            run(&job);
        }
    }
}

/// Stops the helpers when the body returns or unwinds.
struct StopOnDrop<'a, 'env>(&'a Pool<'env>);

impl Drop for StopOnDrop<'_, '_> {
    fn drop(&mut self) {
        lock(&self.0.board).stop = true;
        self.0.posted.notify_all();
    }
}

/// Runs `body` with a pool of `threads` threads (the caller included).
pub(crate) fn scoped<'env, R>(threads: usize, body: impl FnOnce(&Pool<'env>) -> R) -> R {
    let pool = Pool {
        board: Mutex::new(Board {
            generation: 0,
            job: None,
            stop: false,
        }),
        posted: Condvar::new(),
        helpers: threads.saturating_sub(1),
    };
    if pool.helpers == 0 {
        return body(&pool);
    }
    std::thread::scope(|s| {
        for _ in 0..pool.helpers {
            s.spawn(|| helper(&pool));
        }
        let _stop = StopOnDrop(&pool);
        body(&pool)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_are_in_order() {
        for threads in [0, 1, 2, 4, 9] {
            let out = scoped(threads, |pool| {
                let mut all = Vec::new();
                for n in [0, 1, 2, 7, 100] {
                    let v = pool.map(n, |i| vec![i as f32; 3]);
                    all.push((n, v));
                }
                all
            });
            for (n, v) in out {
                assert_eq!(v, (0..n).map(|i| vec![i as f32; 3]).collect::<Vec<_>>());
            }
        }
    }

    #[test]
    fn a_panicking_item_is_recomputed_not_lost() {
        use std::sync::atomic::AtomicBool;
        let failed = AtomicBool::new(false);
        let v = scoped(2, |pool| {
            pool.map(16, |i| {
                // the first attempt at item 5 fails, the retry succeeds
                if i == 5 && !failed.swap(true, Ordering::SeqCst) {
                    panic!("boom");
                }
                vec![i as f32]
            })
        });
        assert_eq!(v, (0..16).map(|i| vec![i as f32]).collect::<Vec<_>>());
    }
}
