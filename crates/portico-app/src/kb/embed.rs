//! The background job that gives published articles their sentence vectors (`kb.embed`).
//!
//! Only nodes that loaded the language model register the kind, so only they claim it. A run embeds
//! articles whose vectors are missing or were made from an older version (or another model), a few at
//! a time, storing each batch with a search-outbox entry in one transaction: every node's index
//! follower then reloads those articles with their vectors. After about a minute a run hands over to
//! a follow-up job, so one run never outlives its lease and a large import is embedded steadily.
//! Saving an article on a node with the model asks for a run at once; a periodic run catches the rest
//! (articles saved on nodes without the model, or imported from the command line).

use std::time::{Duration, Instant};

use portico_storage::jobs::NewJob;
use portico_storage::kb;
use portico_storage::outbox::OutboxOp;

use super::ARTICLE;
use crate::jobs::{JobContext, JobKinds, JobRegistry};
use crate::search::semantic::MODEL_ID;
use crate::{App, AppError, Tx};

/// The job kind.
pub const EMBED_JOB: &str = "kb.embed";

/// How often nodes with the model look for articles to embed without being asked.
pub const EMBED_EVERY: Duration = Duration::from_secs(600);

/// Articles embedded per transaction.
const BATCH: u64 = 8;

/// How long one run works before it hands over to a follow-up job.
const RUN_FOR: Duration = Duration::from_secs(60);

/// Registers `kb.embed` (on nodes that have the model).
#[derive(Debug, Clone, Copy, Default)]
pub struct ArticleEmbedding;

impl JobKinds for ArticleEmbedding {
    fn register_jobs(&self, r: &mut JobRegistry) {
        r.register(EMBED_JOB, |ctx| Box::pin(run(ctx)));
        r.every(EMBED_JOB, EMBED_EVERY);
    }
}

/// Asks for a run soon because `article` reached `version`, within `tx` (when this node has the
/// model; otherwise the periodic run of a node that has it picks the article up). One job per saved
/// version: a run embeds everything pending, so the jobs after it find little to do, but a save is
/// never mistaken for one already handled.
pub async fn request_in(
    app: &App,
    tx: &mut Tx,
    article: i64,
    version: i32,
) -> Result<(), AppError> {
    if app.embedder().is_none() {
        return Ok(());
    }
    tx.enqueue(
        &NewJob::new(EMBED_JOB, serde_json::json!({}), tx.now())
            .unique(format!("{EMBED_JOB}:{article}:{version}")),
    )
    .await?;
    Ok(())
}

/// Asks for a run now: at start on a node that loaded the model, and after a command-line import in
/// an installation that has the model (a node with it claims the job).
pub async fn request(app: &App) -> Result<(), AppError> {
    let mut tx = app.begin().await?;
    tx.enqueue(&NewJob::new(EMBED_JOB, serde_json::json!({}), tx.now()))
        .await?;
    tx.commit().await
}

/// Embeds what is pending; returns how many articles were embedded.
pub async fn embed_pending(app: &App, budget: Duration) -> Result<(usize, bool), AppError> {
    let Some(embedder) = app.embedder().cloned() else {
        return Ok((0, false));
    };
    let started = Instant::now();
    let mut done = 0;
    loop {
        let batch = kb::articles_to_embed(app.db().conn(), MODEL_ID, BATCH).await?;
        if batch.is_empty() {
            return Ok((done, false));
        }
        let e = embedder.clone();
        let inputs: Vec<(i64, i32, String, String)> = batch
            .into_iter()
            .map(|a| (a.id, a.version, a.title, a.body_text))
            .collect();
        let embedded = tokio::task::spawn_blocking(move || {
            inputs
                .into_iter()
                .map(|(id, version, title, body)| (id, version, e.article_vectors(&title, &body)))
                .collect::<Vec<_>>()
        })
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("embedding task failed: {e}")))?;
        let mut tx = app.begin().await?;
        for (id, version, vectors) in embedded {
            kb::save_embedding(
                tx.conn(),
                &kb::Embedding {
                    article_id: id,
                    model: MODEL_ID.into(),
                    article_version: version,
                    vectors,
                },
                tx.now(),
            )
            .await?;
            tx.outbox(ARTICLE, &id.to_string(), OutboxOp::Upsert)
                .await?;
            done += 1;
        }
        tx.commit().await?;
        if started.elapsed() >= budget {
            return Ok((done, true));
        }
    }
}

async fn run(ctx: JobContext) -> anyhow::Result<()> {
    let app = ctx.app;
    let (done, more) = embed_pending(&app, RUN_FOR).await?;
    if more {
        let mut tx = app.begin().await?;
        tx.enqueue(
            &NewJob::new(EMBED_JOB, serde_json::json!({}), tx.now())
                .unique(format!("{EMBED_JOB}:after:{}", ctx.job.id)),
        )
        .await?;
        tx.commit().await?;
    }
    if done > 0 {
        tracing::info!(articles = done, more, "articles embedded");
    }
    Ok(())
}

/// How far embedding has got: (published articles with current vectors, published articles).
pub async fn coverage(app: &App) -> Result<(i64, i64), AppError> {
    Ok(kb::embedding_coverage(app.db().conn(), MODEL_ID).await?)
}
