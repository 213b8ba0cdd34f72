//! Password policy and Argon2id hashing (m=19 MiB, t=2, p=1).
//!
//! Hashing runs off the async runtime on a small fixed set of hashing threads, one per core. Each
//! thread owns one Argon2 working buffer (19 MiB) and reuses it for every hash it computes, so the
//! process holds at most one buffer per core however many sign-ins arrive, a burst queues instead of
//! stalling requests, and nothing is allocated per attempt. A thread that has had no work for
//! [`IDLE_RELEASE`] gives its buffer back to the operating system, so an idle server returns to its
//! small footprint.
//!
//! Hashes are standard PHC strings (`$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`); verification
//! reads the algorithm, version, parameters and salt from the stored string, so hashes made with other
//! parameters keep verifying.

use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Duration;

use argon2::password_hash::phc::{Output, ParamsString, PasswordHash, Salt};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use portico_core::FieldError;

use crate::AppError;

pub const MIN_PASSWORD_CHARS: usize = 10;
pub const MAX_PASSWORD_BYTES: usize = 1024;

/// Memory cost in KiB (one Argon2 block each), passes and lanes of new hashes.
const M_COST_KIB: u32 = 19_456;
const T_COST: u32 = 2;
const P_COST: u32 = 1;

/// The parameters of new hashes. `Params::new` only fails for out-of-range values; the assertion below
/// rules that out at compile time.
const PARAMS: Params = match Params::new(M_COST_KIB, T_COST, P_COST, None) {
    Ok(p) => p,
    Err(_) => Params::DEFAULT,
};
const _: () = assert!(
    PARAMS.m_cost() == M_COST_KIB && PARAMS.t_cost() == T_COST && PARAMS.p_cost() == P_COST
);

/// Blocks in a hashing thread's buffer: enough for [`PARAMS`]. A stored hash that needs more gets a
/// buffer of its own for that one check.
const BUFFER_BLOCKS: usize = PARAMS.block_count();

/// Address space reserved for each buffer, in blocks (33 MiB); only the [`BUFFER_BLOCKS`] actually used
/// become resident. glibc serves a request above 32 MiB (the ceiling of its dynamic mmap threshold)
/// with a mapping of its own and unmaps it on free; a 19 MiB request is mapped only until the first
/// free, which raises the threshold above 19 MiB, after which released buffers stay in the heap.
const RESERVED_BLOCKS: usize = 33 * 1024;
const _: () = assert!(RESERVED_BLOCKS * Block::SIZE > 32 * 1024 * 1024);
const _: () = assert!(RESERVED_BLOCKS >= BUFFER_BLOCKS);

/// A hashing thread that has had no work for this long drops its buffer.
const IDLE_RELEASE: Duration = Duration::from_secs(60);

fn internal(what: &str, e: impl std::fmt::Display) -> AppError {
    AppError::Internal(anyhow::anyhow!("{what}: {e}"))
}

/// Checks a new password against the policy: long enough, not absurdly long, not only whitespace.
pub fn check_password_policy(field: &str, password: &str) -> Result<(), FieldError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(FieldError::new(
            field,
            "too_short",
            format!("a password needs at least {MIN_PASSWORD_CHARS} characters"),
        ));
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(FieldError::new(
            field,
            "too_long",
            format!("a password has at most {MAX_PASSWORD_BYTES} bytes"),
        ));
    }
    if password.trim().is_empty() {
        return Err(FieldError::new(
            field,
            "invalid_format",
            "a password cannot be only spaces",
        ));
    }
    Ok(())
}

/// Hashes a password with Argon2id (m=19 MiB, t=2, p=1) on a hashing thread.
pub async fn hash_password(password: &str) -> Result<String, AppError> {
    let pw = password.to_owned();
    pool()
        .run(move |memory| hash_with(memory, pw.as_bytes()))
        .await
}

/// Verifies a password against a stored hash on a hashing thread. A missing hash is checked against a
/// dummy so an unknown account takes as long as a wrong password.
pub async fn verify_password(password: &str, stored: Option<&str>) -> Result<bool, AppError> {
    let pw = password.to_owned();
    let stored = stored.map(str::to_owned);
    pool()
        .run(move |memory| {
            let target = stored.as_deref().unwrap_or(DUMMY_HASH);
            Ok(verify_with(memory, pw.as_bytes(), target)? && target != DUMMY_HASH)
        })
        .await
}

/// An Argon2id hash of a random string nobody knows, with the production parameters.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$WlsoJ2xCYtQpKQDiuLjLCk5Ve9rLQtNdO4CFiYpj6Xw";

/// Computes a new hash with [`PARAMS`] and a fresh random salt, as a PHC string.
fn hash_with(memory: &mut Memory, password: &[u8]) -> Result<String, AppError> {
    let salt = argon2::password_hash::try_generate_salt().map_err(|e| internal("salt", e))?;
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, PARAMS);
    memory
        .with_blocks(PARAMS.block_count(), |blocks| {
            argon2.hash_password_into_with_memory(password, &salt, &mut out, blocks)
        })?
        .map_err(|e| internal("hashing failed", e))?;
    let hash = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&PARAMS).map_err(|e| internal("hash params", e))?,
        salt: Some(Salt::new(&salt).map_err(|e| internal("salt", e))?),
        hash: Some(Output::new(&out).map_err(|e| internal("hash output", e))?),
    };
    Ok(hash.to_string())
}

/// Recomputes the stored hash for `password` with the stored algorithm, version, parameters and salt,
/// and compares the outputs in constant time. A string that is not a PHC hash is an error; a hash that
/// cannot be recomputed (unknown algorithm, no salt or output, parameters out of range) never matches.
fn verify_with(memory: &mut Memory, password: &[u8], stored: &str) -> Result<bool, AppError> {
    let parsed = PasswordHash::new(stored).map_err(|e| internal("stored hash", e))?;
    match recompute_matches(memory, password, &parsed) {
        Ok(matches) => Ok(matches),
        Err(e) => {
            tracing::warn!(algorithm = %parsed.algorithm, error = %e, "stored password hash cannot be checked");
            Ok(false)
        }
    }
}

fn recompute_matches(
    memory: &mut Memory,
    password: &[u8],
    hash: &PasswordHash,
) -> Result<bool, anyhow::Error> {
    let (Some(salt), Some(expected)) = (&hash.salt, &hash.hash) else {
        anyhow::bail!("no salt or no output");
    };
    let algorithm = Algorithm::try_from(hash.algorithm.as_str())?;
    let version = hash
        .version
        .map(Version::try_from)
        .transpose()?
        .unwrap_or_default();
    let params = Params::try_from(hash)?;
    let mut buffer = [0u8; Output::MAX_LENGTH];
    let out = buffer
        .get_mut(..expected.len())
        .ok_or_else(|| anyhow::anyhow!("output of {} bytes", expected.len()))?;
    let argon2 = Argon2::new(algorithm, version, params.clone());
    memory.with_blocks(params.block_count(), |blocks| {
        argon2.hash_password_into_with_memory(password, salt, &mut *out, blocks)
    })??;
    // `Output`'s equality is constant-time.
    Ok(Output::new(out)? == *expected)
}

/// A hashing thread's working memory: one reusable buffer, allocated on first use and dropped when the
/// thread goes idle.
struct Memory {
    buffer: Option<Vec<Block>>,
    stats: Arc<Stats>,
}

impl Memory {
    fn new(stats: Arc<Stats>) -> Self {
        Memory {
            buffer: None,
            stats,
        }
    }

    /// Runs `f` on `count` blocks: the thread's own buffer when it is large enough, otherwise (a stored
    /// hash with a larger memory cost) a buffer allocated for this call only.
    fn with_blocks<R>(
        &mut self,
        count: usize,
        f: impl FnOnce(&mut [Block]) -> R,
    ) -> Result<R, AppError> {
        if count > BUFFER_BLOCKS {
            let mut once = allocate_blocks(count)?;
            return Ok(f(&mut once));
        }
        let buffer = match &mut self.buffer {
            Some(buffer) => buffer,
            none => {
                let buffer = allocate_blocks(BUFFER_BLOCKS)?;
                self.stats.allocations.fetch_add(1, Ordering::SeqCst);
                self.stats.buffers.fetch_add(1, Ordering::SeqCst);
                none.insert(buffer)
            }
        };
        let blocks = buffer
            .get_mut(..count)
            .ok_or_else(|| internal("hash buffer", "too small"))?;
        Ok(f(blocks))
    }

    fn release(&mut self) {
        if self.buffer.take().is_some() {
            self.stats.buffers.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

impl Drop for Memory {
    fn drop(&mut self) {
        self.release();
    }
}

/// `count` zeroed blocks in an allocation of at least [`RESERVED_BLOCKS`], so freeing it unmaps it.
fn allocate_blocks(count: usize) -> Result<Vec<Block>, AppError> {
    let mut blocks = Vec::new();
    blocks
        .try_reserve_exact(count.max(RESERVED_BLOCKS))
        .map_err(|e| internal("hash buffer", e))?;
    blocks.resize(count, Block::new());
    Ok(blocks)
}

/// Counters kept by a [`Pool`], read by the tests.
#[derive(Debug, Default)]
struct Stats {
    /// Computations running now, and the most that ever ran at once.
    running: AtomicUsize,
    most_running: AtomicUsize,
    /// Buffers held now, and buffers ever allocated (one-off buffers for unusual hashes not counted).
    buffers: AtomicUsize,
    allocations: AtomicUsize,
    /// Hashing threads started.
    threads: AtomicUsize,
}

type Job = Box<dyn FnOnce(&mut Memory) + Send>;

/// The hashing threads. A caller takes a permit (there are as many as threads), then an idle thread,
/// hands it the job and waits for the answer; threads are started on first need, up to the permit
/// count. The idle list is a stack, so a light load keeps reusing one thread and the others' buffers
/// are released.
struct Pool {
    permits: tokio::sync::Semaphore,
    idle: Mutex<Vec<mpsc::Sender<Job>>>,
    idle_release: Duration,
    stats: Arc<Stats>,
}

fn pool() -> &'static Pool {
    static POOL: OnceLock<Pool> = OnceLock::new();
    POOL.get_or_init(|| {
        let threads = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2);
        Pool::new(threads, IDLE_RELEASE)
    })
}

impl Pool {
    fn new(threads: usize, idle_release: Duration) -> Self {
        Pool {
            permits: tokio::sync::Semaphore::new(threads),
            idle: Mutex::new(Vec::with_capacity(threads)),
            idle_release,
            stats: Arc::default(),
        }
    }

    async fn run<R: Send + 'static>(
        &self,
        job: impl FnOnce(&mut Memory) -> Result<R, AppError> + Send + 'static,
    ) -> Result<R, AppError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|e| internal("hashing permits closed", e))?;
        let mut thread = self.check_out()?;
        let (tx, rx) = tokio::sync::oneshot::channel();
        thread.send(Box::new(move |memory: &mut Memory| {
            let _ = tx.send(job(memory));
        }))?;
        rx.await
            .map_err(|_| internal("hashing failed", "the hashing thread dropped the job"))?
    }

    fn check_out(&self) -> Result<CheckedOut<'_>, AppError> {
        let idle = self
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        let jobs = match idle {
            Some(jobs) => jobs,
            None => self.start_thread()?,
        };
        Ok(CheckedOut {
            pool: self,
            jobs: Some(jobs),
        })
    }

    fn start_thread(&self) -> Result<mpsc::Sender<Job>, AppError> {
        let (tx, rx) = mpsc::channel::<Job>();
        let n = self.stats.threads.fetch_add(1, Ordering::SeqCst);
        let stats = Arc::clone(&self.stats);
        let idle_release = self.idle_release;
        std::thread::Builder::new()
            .name(format!("portico-hash-{n}"))
            .spawn(move || hashing_thread(&rx, idle_release, &stats))
            .map_err(|e| internal("starting a hashing thread", e))?;
        Ok(tx)
    }
}

/// A thread taken from the idle list; it goes back when this is dropped, also when the caller gives up
/// waiting (the thread then finishes the job before it takes the next one, so at most one computation
/// runs per thread either way).
struct CheckedOut<'a> {
    pool: &'a Pool,
    jobs: Option<mpsc::Sender<Job>>,
}

impl CheckedOut<'_> {
    fn send(&mut self, job: Job) -> Result<(), AppError> {
        let sent = match &self.jobs {
            Some(jobs) => jobs.send(job).is_ok(),
            None => false,
        };
        if !sent {
            // The thread has ended; forget it so the next caller starts a new one.
            self.jobs = None;
            return Err(internal("hashing failed", "the hashing thread has stopped"));
        }
        Ok(())
    }
}

impl Drop for CheckedOut<'_> {
    fn drop(&mut self) {
        if let Some(jobs) = self.jobs.take() {
            self.pool
                .idle
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(jobs);
        }
    }
}

/// Runs jobs one at a time with one reusable buffer; drops the buffer after `idle_release` without
/// work, and ends when its pool is gone.
fn hashing_thread(jobs: &mpsc::Receiver<Job>, idle_release: Duration, stats: &Arc<Stats>) {
    let mut memory = Memory::new(Arc::clone(stats));
    loop {
        let job = if memory.buffer.is_some() {
            match jobs.recv_timeout(idle_release) {
                Ok(job) => job,
                Err(RecvTimeoutError::Timeout) => {
                    memory.release();
                    continue;
                }
                Err(RecvTimeoutError::Disconnected) => return,
            }
        } else {
            match jobs.recv() {
                Ok(job) => job,
                Err(_) => return,
            }
        };
        let now = stats.running.fetch_add(1, Ordering::SeqCst) + 1;
        stats.most_running.fetch_max(now, Ordering::SeqCst);
        let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| job(&mut memory)));
        stats.running.fetch_sub(1, Ordering::SeqCst);
        if outcome.is_err() {
            // The caller sees its answer channel closed; start the next job with a fresh buffer.
            memory.release();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::password_hash::{PasswordHasher, PasswordVerifier};

    /// The hashing path used before the hashing threads: argon2's own `PasswordHasher`, which
    /// allocates its memory per call.
    fn argon2_crate() -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, PARAMS)
    }

    #[test]
    fn parameters_are_the_production_ones() {
        assert_eq!(
            (PARAMS.m_cost(), PARAMS.t_cost(), PARAMS.p_cost()),
            (19_456, 2, 1)
        );
        assert_eq!(BUFFER_BLOCKS, 19_456);
    }

    #[test]
    fn password_policy_names_the_field() {
        assert_eq!(
            check_password_policy("password", "short")
                .err()
                .map(|e| e.code),
            Some("too_short")
        );
        assert_eq!(
            check_password_policy("pw", &"x".repeat(2000))
                .err()
                .map(|e| e.field),
            Some("pw".into())
        );
        assert!(check_password_policy("password", "          ").is_err());
        assert!(check_password_policy("password", "correct horse battery").is_ok());
    }

    #[tokio::test]
    async fn hashes_verify_and_dummy_never_matches() -> Result<(), AppError> {
        let h = hash_password("correct horse battery").await?;
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify_password("correct horse battery", Some(&h)).await?);
        assert!(!verify_password("wrong horse battery", Some(&h)).await?);
        assert!(!verify_password("anything", None).await?);
        assert!(
            verify_password("anything", Some("not a hash"))
                .await
                .is_err()
        );
        Ok(())
    }

    #[tokio::test]
    async fn hashes_are_interchangeable_with_the_argon2_crate() -> Result<(), AppError> {
        // Made by argon2's PasswordHasher (how every stored hash so far was made), checked here.
        let old = argon2_crate()
            .hash_password(b"correct horse battery")
            .map_err(|e| internal("hash", e))?
            .to_string();
        assert!(verify_password("correct horse battery", Some(&old)).await?);
        assert!(!verify_password("correct horse battery!", Some(&old)).await?);

        // Made here, checked by argon2's PasswordVerifier; same shape as the old ones.
        let new = hash_password("correct horse battery").await?;
        let parsed = PasswordHash::new(&new).map_err(|e| internal("parse", e))?;
        assert!(
            argon2_crate()
                .verify_password(b"correct horse battery", &parsed)
                .is_ok()
        );
        assert!(
            argon2_crate()
                .verify_password(b"wrong horse battery", &parsed)
                .is_err()
        );
        let shape = |h: &str| {
            h.split('$')
                .map(|field| if field.len() > 20 { field.len() } else { 0 })
                .collect::<Vec<_>>()
        };
        assert_eq!(shape(&new), shape(&old));
        assert_eq!(new.split('$').nth(3), old.split('$').nth(3));

        // The dummy hash used for unknown accounts is an ordinary production hash.
        let dummy = PasswordHash::new(DUMMY_HASH).map_err(|e| internal("parse", e))?;
        assert_eq!(dummy.params, parsed.params);
        Ok(())
    }

    #[tokio::test]
    async fn hashes_with_other_parameters_still_verify() -> Result<(), AppError> {
        // Smaller (fits in the thread's buffer) and larger (a buffer of its own) memory costs.
        for m in [8_192, 24_576] {
            let params = Params::new(m, 1, 1, None).map_err(|e| internal("params", e))?;
            let stored = Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
                .hash_password(b"correct horse battery")
                .map_err(|e| internal("hash", e))?
                .to_string();
            assert!(verify_password("correct horse battery", Some(&stored)).await?);
            assert!(!verify_password("wrong horse battery", Some(&stored)).await?);
        }
        Ok(())
    }

    #[tokio::test]
    async fn twenty_verifications_at_once_run_at_most_one_per_permit() -> Result<(), AppError> {
        let pool = pool();
        let permits = pool.permits.available_permits();
        let stored = hash_password("correct horse battery").await?;
        let checks = (0..20).map(|i| {
            let stored = stored.clone();
            async move {
                let password = if i % 2 == 0 {
                    "correct horse battery"
                } else {
                    "wrong horse battery"
                };
                (i, verify_password(password, Some(&stored)).await)
            }
        });
        for (i, result) in futures_util::future::join_all(checks).await {
            assert_eq!(result?, i % 2 == 0, "check {i}");
        }
        let stats = &pool.stats;
        let most = stats.most_running.load(Ordering::SeqCst);
        assert!(
            (1..=permits).contains(&most),
            "{most} ran at once, {permits} permits"
        );
        assert!(stats.threads.load(Ordering::SeqCst) <= permits);
        // One buffer per thread, reused: 21 hashes did not allocate 21 buffers.
        assert!(stats.allocations.load(Ordering::SeqCst) <= permits);
        assert!(stats.buffers.load(Ordering::SeqCst) <= permits);
        Ok(())
    }

    #[tokio::test]
    async fn a_small_pool_bounds_concurrency_and_buffers() -> Result<(), AppError> {
        let pool = Pool::new(2, Duration::from_secs(600));
        let jobs = (0..20).map(|i| {
            pool.run(move |memory| {
                memory.with_blocks(BUFFER_BLOCKS, |blocks| blocks.len())?;
                Ok(i)
            })
        });
        let done = futures_util::future::join_all(jobs).await;
        assert_eq!(
            done.into_iter().collect::<Result<Vec<_>, _>>()?,
            (0..20).collect::<Vec<_>>()
        );
        assert!(pool.stats.most_running.load(Ordering::SeqCst) <= 2);
        assert!(pool.stats.threads.load(Ordering::SeqCst) <= 2);
        assert!(pool.stats.allocations.load(Ordering::SeqCst) <= 2);
        Ok(())
    }

    #[tokio::test]
    async fn an_idle_thread_releases_its_buffer() -> Result<(), AppError> {
        let pool = Pool::new(1, Duration::from_millis(50));
        let touch = |memory: &mut Memory| memory.with_blocks(BUFFER_BLOCKS, |blocks| blocks.len());
        assert_eq!(pool.run(touch).await?, BUFFER_BLOCKS);
        assert_eq!(pool.stats.allocations.load(Ordering::SeqCst), 1);
        // Polls (up to 10 s) for the release; it is due 50 ms after the job.
        let mut waited = Duration::ZERO;
        while pool.stats.buffers.load(Ordering::SeqCst) > 0 && waited < Duration::from_secs(10) {
            tokio::time::sleep(Duration::from_millis(10)).await;
            waited += Duration::from_millis(10);
        }
        assert_eq!(pool.stats.buffers.load(Ordering::SeqCst), 0);
        // The next job allocates again, on the same thread.
        assert_eq!(pool.run(touch).await?, BUFFER_BLOCKS);
        assert_eq!(pool.stats.allocations.load(Ordering::SeqCst), 2);
        assert_eq!(pool.stats.threads.load(Ordering::SeqCst), 1);
        Ok(())
    }

    #[tokio::test]
    async fn a_panicking_job_fails_its_caller_only() -> Result<(), AppError> {
        let pool = Pool::new(1, Duration::from_secs(600));
        let failed = pool
            .run(|_memory| -> Result<(), AppError> {
                let v: Vec<u8> = Vec::new();
                let _ = v[1];
                Ok(())
            })
            .await;
        assert!(failed.is_err());
        assert_eq!(pool.run(|_memory| Ok(7)).await?, 7);
        assert_eq!(pool.stats.threads.load(Ordering::SeqCst), 1);
        Ok(())
    }
}

/// The lowest zxcvbn score (0–4) a chosen password needs: 3, "safely unguessable: moderate protection
/// from offline slow-hash scenarios" — Argon2id is such a slow hash.
pub const MIN_STRENGTH_SCORE: u8 = 3;

/// The base rules and an estimate of how guessable the password is (zxcvbn, which knows common
/// passwords, words, names, keyboard patterns, dates and substitutions, and the person's own e-mail
/// and name given in `personal`). Long passphrases pass; `Password1!` does not. The hint is in `lang`.
pub fn check_password_strength(
    field: &str,
    password: &str,
    personal: &[&str],
    lang: portico_core::Locale,
) -> Result<(), FieldError> {
    check_password_policy(field, password).map_err(|e| {
        let message = match e.code {
            "too_short" => crate::i18n::t_count(lang, "password-too-short", MIN_PASSWORD_CHARS),
            "too_long" => crate::i18n::t(lang, "password-too-long"),
            _ => crate::i18n::t(lang, "password-blank"),
        };
        FieldError::new(field, e.code, message)
    })?;
    let estimate = zxcvbn::zxcvbn(password, personal);
    if u8::from(estimate.score()) >= MIN_STRENGTH_SCORE {
        return Ok(());
    }
    let mut parts = vec![crate::i18n::t(lang, "password-weak")];
    if let Some(fb) = estimate.feedback() {
        if let Some(w) = fb.warning() {
            parts.push(crate::i18n::t(lang, warning_key(w)));
        }
        if let Some(s) = fb.suggestions().first() {
            parts.push(crate::i18n::t(lang, suggestion_key(*s)));
        }
    }
    if parts.len() == 1 {
        parts.push(crate::i18n::t(lang, "password-hint-add-words"));
    }
    let message = parts.join(" ");
    Err(FieldError::new(field, "weak_password", message))
}

fn warning_key(w: zxcvbn::feedback::Warning) -> &'static str {
    use zxcvbn::feedback::Warning::*;
    match w {
        StraightRowsOfKeysAreEasyToGuess | ShortKeyboardPatternsAreEasyToGuess => {
            "password-warn-keyboard"
        }
        RepeatsLikeAaaAreEasyToGuess | RepeatsLikeAbcAbcAreOnlySlightlyHarderToGuess => {
            "password-warn-repeats"
        }
        ThisIsATop10Password | ThisIsATop100Password | ThisIsACommonPassword => {
            "password-warn-common"
        }
        ThisIsSimilarToACommonlyUsedPassword => "password-warn-similar",
        SequencesLikeAbcAreEasyToGuess => "password-warn-sequence",
        RecentYearsAreEasyToGuess | DatesAreOftenEasyToGuess => "password-warn-dates",
        AWordByItselfIsEasyToGuess => "password-warn-word",
        NamesAndSurnamesByThemselvesAreEasyToGuess | CommonNamesAndSurnamesAreEasyToGuess => {
            "password-warn-names"
        }
    }
}

fn suggestion_key(s: zxcvbn::feedback::Suggestion) -> &'static str {
    use zxcvbn::feedback::Suggestion::*;
    match s {
        UseAFewWordsAvoidCommonPhrases | AddAnotherWordOrTwo => "password-hint-add-words",
        NoNeedForSymbolsDigitsOrUppercaseLetters
        | CapitalizationDoesntHelpVeryMuch
        | AllUppercaseIsAlmostAsEasyToGuessAsAllLowercase
        | ReversedWordsArentMuchHarderToGuess
        | PredictableSubstitutionsDontHelpVeryMuch => "password-hint-substitutions",
        UseALongerKeyboardPatternWithMoreTurns => "password-hint-add-words",
        AvoidRepeatedWordsAndCharacters | AvoidSequences => "password-hint-repeats",
        AvoidRecentYears
        | AvoidYearsThatAreAssociatedWithYou
        | AvoidDatesAndYearsThatAreAssociatedWithYou => "password-hint-dates",
    }
}

#[cfg(test)]
mod strength_tests {
    use super::*;
    use portico_core::Locale;

    #[test]
    fn passphrases_pass_and_decorated_words_fail_with_a_translated_hint() {
        for good in [
            "correct horse battery staple",
            "lantern quietly mapping river otters",
            "我的猫喜欢在窗台上晒太阳",
        ] {
            assert!(
                check_password_strength("password", good, &[], Locale::En).is_ok(),
                "{good}"
            );
        }
        for weak in [
            "Password1!",
            "password123",
            "qwertyuiop",
            "aaaaaaaaaaaa",
            "Summer2024!",
        ] {
            let e = check_password_strength("password", weak, &[], Locale::En).err();
            assert_eq!(e.as_ref().map(|e| e.code), Some("weak_password"), "{weak}");
        }
        let zh = check_password_strength("password", "Password1!", &[], Locale::ZhCn)
            .err()
            .map(|e| e.message)
            .unwrap_or_default();
        assert!(
            zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
            "{zh}"
        );
        // The person's own details count as known words.
        let e = check_password_strength(
            "password",
            "ann.lee@example.com",
            &["ann.lee@example.com", "Ann Lee"],
            Locale::En,
        );
        assert!(e.is_err());
    }
}
