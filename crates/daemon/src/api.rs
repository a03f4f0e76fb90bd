//! The HTTP API (spec section 2): routes, auth and the JSON error body.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::SystemTime;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use tracing::{error, info, warn};
use voice_otp_call::{CallKind, CallSettings, CallSpec};

use crate::audio::{AudioError, AudioFiles, MAX_UPLOAD_BYTES};
use crate::calls::CallQueue;
use crate::config::{DEFAULT_TENANT, TenantConfig};
use crate::error::StoreError;
use crate::event::{FinishedEvent, parse_timestamp_ms, to_ms};
use crate::request::{FieldError, Instruction, validate};
use crate::store::{CdrFilter, Inserted, NewInstruction};

/// The `Retry-After` (seconds) of a 503 for a busy store.
const STORE_BUSY_RETRY_AFTER: u64 = 1;

/// Largest accepted instruction body.
pub(crate) const MAX_INSTRUCTION_BYTES: usize = 64 * 1024;

/// What the API answers when something goes wrong: a status and a JSON body
/// `{"success":false,"errors":[{"field":...,"message":...}]}`. Internal causes are logged,
/// never sent.
#[derive(Debug)]
pub enum ApiError {
    /// 401: no or unknown token.
    Unauthorized,
    /// 415: the body is not JSON (or not audio).
    UnsupportedMediaType(&'static str),
    /// 413: the body is too large.
    PayloadTooLarge(usize),
    /// 400: the request broke one or more rules.
    Invalid(Vec<FieldError>),
    /// 403: the tenant may not do this (named in the message).
    Forbidden(&'static str),
    /// 404: no such call or file.
    NotFound,
    /// 404: no such route.
    NoRoute,
    /// 405: the route exists, the method does not (axum adds `Allow`).
    MethodNotAllowed,
    /// 429: a velocity or volume limit of `[guard]` (named) would be broken.
    TooManyRequests {
        /// The `[guard]` key of the limit.
        limit: &'static str,
        /// Seconds until a request like it can pass (`Retry-After`).
        retry_after: u64,
    },
    /// 503: the daemon is shutting down.
    ShuttingDown,
    /// 503: no store connection could be had in time (the database is overloaded or
    /// unreachable); nothing was stored, and the client may retry (`Retry-After`).
    StoreBusy,
    /// 500: something failed inside; details are in the log.
    Internal,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        // Retry-After (seconds), for the answers a client may simply repeat later.
        let mut retry_after = None;
        let (status, errors) = match self {
            ApiError::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                vec![json!({"message": "missing or unknown product token"})],
            ),
            ApiError::UnsupportedMediaType(expected) => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                vec![json!({"message": format!("content type must be {expected}")})],
            ),
            ApiError::PayloadTooLarge(limit) => (
                StatusCode::PAYLOAD_TOO_LARGE,
                vec![json!({"message": format!("body larger than {limit} bytes")})],
            ),
            ApiError::Invalid(fields) => (
                StatusCode::BAD_REQUEST,
                fields
                    .into_iter()
                    .map(|f| json!({"field": f.field, "message": f.message}))
                    .collect(),
            ),
            ApiError::Forbidden(why) => (StatusCode::FORBIDDEN, vec![json!({"message": why})]),
            ApiError::NotFound => (StatusCode::NOT_FOUND, vec![json!({"message": "not found"})]),
            ApiError::NoRoute => (
                StatusCode::NOT_FOUND,
                vec![json!({"message": "no such endpoint"})],
            ),
            ApiError::MethodNotAllowed => (
                StatusCode::METHOD_NOT_ALLOWED,
                vec![json!({"message": "method not allowed on this endpoint"})],
            ),
            ApiError::TooManyRequests {
                limit,
                retry_after: seconds,
            } => {
                retry_after = Some(seconds);
                (
                    StatusCode::TOO_MANY_REQUESTS,
                    vec![json!({
                        "limit": limit,
                        "message": format!("over the [guard] {limit} limit: nothing was dialled"),
                    })],
                )
            }
            ApiError::ShuttingDown => (
                StatusCode::SERVICE_UNAVAILABLE,
                vec![json!({"message": "the daemon is shutting down"})],
            ),
            ApiError::StoreBusy => {
                retry_after = Some(STORE_BUSY_RETRY_AFTER);
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    vec![json!({
                        "message": "the store is busy: nothing was stored or dialled; try again",
                    })],
                )
            }
            ApiError::Internal => (
                StatusCode::INTERNAL_SERVER_ERROR,
                vec![json!({"message": "internal error"})],
            ),
        };
        let mut resp = (
            status,
            axum::Json(json!({"success": false, "errors": errors})),
        )
            .into_response();
        if status == StatusCode::UNAUTHORIZED {
            resp.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer"),
            );
        }
        if let Some(seconds) = retry_after {
            resp.headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from(seconds));
        }
        resp
    }
}

fn invalid(field: &str, message: impl Into<String>) -> ApiError {
    ApiError::Invalid(vec![FieldError {
        field: field.to_owned(),
        message: message.into(),
    }])
}

/// Shared state of the handlers.
pub(crate) struct AppState {
    pub(crate) calls: Arc<CallQueue>,
    pub(crate) audio: AudioFiles,
    /// SHA-256 of every accepted token with its tenant: comparing fixed-size digests in
    /// constant time leaks neither the tokens nor their lengths.
    pub(crate) tenants: Vec<([u8; 32], Arc<TenantConfig>)>,
    /// What every call gets from the configuration, copied into each `CallSpec`.
    pub(crate) call_settings: CallSettings,
    /// `[callbacks] allow-private-networks`: skip the literal-host check of `callback-url`.
    pub(crate) allow_private_callbacks: bool,
    /// SHA-256 of `[http] metrics-token`; `None`: `/metrics` is open.
    pub(crate) metrics_token_digest: Option<[u8; 32]>,
}

/// The token of `Authorization: Bearer <token>`.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    let auth = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, rest) = auth.trim().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then_some(rest.trim())
}

/// The index of `token` among `digests`, every digest compared in constant time.
fn token_index<'a>(token: &str, digests: impl Iterator<Item = &'a [u8; 32]>) -> Option<usize> {
    if token.is_empty() {
        return None;
    }
    let digest: [u8; 32] = Sha256::digest(token.as_bytes()).into();
    let mut found = None;
    for (i, known) in digests.enumerate() {
        if bool::from(known.ct_eq(&digest)) {
            found = Some(i);
        }
    }
    found
}

impl AppState {
    /// The tenant whose token the request carries.
    fn authorise(&self, headers: &HeaderMap) -> Result<Arc<TenantConfig>, ApiError> {
        let token = headers
            .get("x-cm-producttoken")
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .or_else(|| bearer(headers))
            .ok_or(ApiError::Unauthorized)?;
        let i = token_index(token, self.tenants.iter().map(|(d, _)| d))
            .ok_or(ApiError::Unauthorized)?;
        Ok(Arc::clone(&self.tenants[i].1))
    }

    /// `/metrics` with a `metrics-token`: only that token, as a Bearer token, opens it.
    fn authorise_metrics(&self, headers: &HeaderMap) -> Result<(), ApiError> {
        let Some(digest) = &self.metrics_token_digest else {
            return Ok(());
        };
        match bearer(headers) {
            Some(token) if token_index(token, std::iter::once(digest)).is_some() => Ok(()),
            _ => Err(ApiError::Unauthorized),
        }
    }
}

/// Builds the router.
pub(crate) fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/voiceapi/v2/OTP", post(post_otp))
        .route("/voiceapi/v2/Notification", post(post_notification))
        // CM's Request DTMF app: the same path as OTP and Notification.
        .route(
            "/voiceapi/v2/DTMF",
            post(
                |State(state): State<Arc<AppState>>, headers: HeaderMap, body: Body| {
                    accept(state, CallKind::Dtmf, headers, body)
                },
            ),
        )
        .route("/v1/calls/{call_id}", get(get_call))
        .route("/v1/cdrs", get(get_cdrs))
        .route("/v1/audio", get(list_audio))
        .route(
            "/v1/audio/{*path}",
            get(get_audio).put(put_audio).delete(delete_audio),
        )
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        // The same JSON error shape as every other error, not axum's empty 404/405.
        .fallback(|| async { ApiError::NoRoute })
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        // Method, path and status of every request at debug level; never headers (tokens)
        // or bodies (codes).
        .layer(
            tower_http::trace::TraceLayer::new_for_http()
                .make_span_with(
                    tower_http::trace::DefaultMakeSpan::new().level(tracing::Level::DEBUG),
                )
                .on_response(
                    tower_http::trace::DefaultOnResponse::new().level(tracing::Level::DEBUG),
                ),
        )
        .with_state(state)
}

/// Reads a body up to `limit` bytes; a larger one is a 413 whether or not it declared its
/// length.
async fn read_body(headers: &HeaderMap, body: Body, limit: usize) -> Result<Bytes, ApiError> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(ApiError::PayloadTooLarge(limit));
    }
    axum::body::to_bytes(body, limit)
        .await
        .map_err(|_| ApiError::PayloadTooLarge(limit))
}

fn content_type(headers: &HeaderMap) -> Option<String> {
    let v = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    Some(
        v.split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase(),
    )
}

async fn post_otp(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    accept(state, CallKind::Otp, headers, body).await
}

async fn post_notification(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    accept(state, CallKind::Notification, headers, body).await
}

async fn accept(
    state: Arc<AppState>,
    kind: CallKind,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let tenant = state.authorise(&headers)?;
    if !state.calls.accepting() {
        return Err(ApiError::ShuttingDown);
    }
    match content_type(&headers).as_deref() {
        Some("application/json") => {}
        Some(t) if t.starts_with("application/") && t.ends_with("+json") => {}
        _ => return Err(ApiError::UnsupportedMediaType("application/json")),
    }
    let body = read_body(&headers, body, MAX_INSTRUCTION_BYTES).await?;
    // Validation touches the file system (prompt files, spelling sets): the blocking pool.
    let (state, tenant, ins) = tokio::task::spawn_blocking(move || {
        let audio = state.audio.for_tenant(&tenant.name);
        let ins = validate(kind, &body, &audio, &tenant.guard);
        // The raw body holds the code too: wipe it when no one else shares its buffer.
        if let Ok(mut raw) = body.try_into_mut() {
            zeroize::Zeroize::zeroize(raw.as_mut());
        }
        ins.map(|ins| (state, tenant, ins))
    })
    .await
    .map_err(|_| ApiError::Internal)?
    .map_err(ApiError::Invalid)?;
    // The insert and the launch run in a task of their own, which the handler only awaits:
    // a client that disconnects drops the handler, not the task, so calls are never left
    // stored but unplaced.
    let response = tokio::spawn(async move { record_and_launch(&state, &tenant, ins).await })
        .await
        .map_err(|_| ApiError::Internal)??;
    Ok(axum::Json(response).into_response())
}

/// The checks that need the tenant, then the instruction stored with its calls and the
/// calls launched, unless a limit stops it or it repeats an earlier `instruction-id` of
/// the tenant (then the first answer is returned and nothing is dialled). Returns the
/// response body.
async fn record_and_launch(
    state: &AppState,
    tenant: &TenantConfig,
    ins: Instruction,
) -> Result<Value, ApiError> {
    if !state.allow_private_callbacks {
        check_callback_url(ins.callback_url.as_deref())?;
    }
    check_tenant_rules(tenant, &ins)?;
    let limits = tenant.guard.limits;
    if ins.callees.len() > limits.max_callees_per_request as usize {
        return Err(ApiError::TooManyRequests {
            limit: "max-callees-per-request",
            retry_after: 1,
        });
    }
    let specs: Vec<CallSpec> = ins
        .callees
        .iter()
        .map(|callee| ins.call_spec(callee, state.call_settings))
        .collect();
    let response = response_body(&ins, &specs);
    // Cluster mode: the calls wait in the shared queue, their specs (the code included)
    // sealed, for whichever node has a free slot.
    let sealed_specs = match &state.calls.seal {
        Some(key) => specs
            .iter()
            .map(|s| key.seal(s))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| {
                error!(error = %e, "could not seal a call spec");
                ApiError::Internal
            })?,
        None => Vec::new(),
    };
    let queued = !sealed_specs.is_empty();
    let record = NewInstruction {
        instruction_id: ins.instruction_id.clone(),
        kind: ins.kind,
        tenant: tenant.name.clone(),
        caller: ins.caller.clone(),
        anonymous: ins.anonymous,
        callback_url: ins.callback_url.clone(),
        voicemail_response: ins.voicemail_response,
        created_ms: to_ms(SystemTime::now()),
        calls: specs
            .iter()
            .map(|s| (s.call_id.clone(), s.callee.clone()))
            .collect(),
        response: response.to_string(),
        sealed_specs,
    };
    match state.calls.store.insert_instruction(record, limits).await {
        Ok(Inserted::New) => crate::fault::after_instruction_stored().await,
        Ok(Inserted::Repeat(first)) => {
            info!(tenant = %tenant.name, "instruction-id repeated: the first answer again, nothing dialled");
            return serde_json::from_str(&first).map_err(|_| ApiError::Internal);
        }
        Ok(Inserted::Limited(hit)) => {
            info!(limit = hit.limit, tenant = %tenant.name, "instruction refused by a limit");
            return Err(ApiError::TooManyRequests {
                limit: hit.limit,
                retry_after: hit.retry_after,
            });
        }
        // No connection in time: the transaction never began, so nothing was stored.
        Err(e @ StoreError::Pool(_)) => {
            warn!(error = %e, "store busy: instruction refused with 503");
            return Err(ApiError::StoreBusy);
        }
        Err(e) => {
            error!(error = %e, "could not record an instruction");
            return Err(ApiError::Internal);
        }
    }
    info!(
        instruction_id = ins.instruction_id.as_deref().unwrap_or(""),
        calls = specs.len(),
        skipped = ins.skipped.len(),
        "instruction accepted"
    );
    if !queued {
        state.calls.launch(specs);
    }
    Ok(response)
}

/// The answer to an accepted request: a `call-queued` event per call and a `call-skipped`
/// one per skipped callee; one object instead of an array when only `callee` was given.
fn response_body(ins: &Instruction, specs: &[CallSpec]) -> Value {
    let mut events: Vec<Value> = specs
        .iter()
        .map(|s| {
            json!({
                "type": "call-queued",
                "success": true,
                "call-id": s.call_id,
                "instruction-id": ins.instruction_id,
                "caller": ins.caller,
                "callee": s.callee,
            })
        })
        .collect();
    events.extend(ins.skipped.iter().map(|s| {
        json!({
            "type": "call-skipped",
            "success": false,
            "instruction-id": ins.instruction_id,
            "caller": ins.caller,
            "callee": s.callee,
            "message": s.message,
        })
    }));
    if ins.single {
        events.into_iter().next().unwrap_or(Value::Null)
    } else {
        Value::Array(events)
    }
}

/// What a tenant may present and play: a `caller` among its `callers`; outside the
/// `default` tenant no Custom spelling, since spelling sets are the default tenant's
/// (File prompts resolve in the tenant's own store, see `audio.rs`).
fn check_tenant_rules(tenant: &TenantConfig, ins: &Instruction) -> Result<(), ApiError> {
    let mut errors = Vec::new();
    if !tenant.may_present(&ins.caller) {
        errors.push(FieldError {
            field: "caller".to_owned(),
            message: format!("is not among the caller IDs of tenant {}", tenant.name),
        });
    }
    if tenant.name != DEFAULT_TENANT
        && ins.code.is_some()
        && ins.code_type == voice_otp_media::CodeType::Custom
    {
        errors.push(FieldError {
            field: "code-type".to_owned(),
            message: "Custom spelling sets belong to the default tenant".to_owned(),
        });
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Invalid(errors))
    }
}

/// Refuses a `callback-url` whose literal host is not a public address.
fn check_callback_url(url: Option<&str>) -> Result<(), ApiError> {
    let Some(url) = url.and_then(|u| reqwest::Url::parse(u).ok()) else {
        return Ok(());
    };
    crate::guard::check_callback_host(&url).map_err(|message| invalid("callback-url", message))
}

/// The finished event plus `"state":"ended"`.
fn ended_view(event: &FinishedEvent) -> Value {
    let mut v = serde_json::to_value(event).unwrap_or(Value::Null);
    if let Some(o) = v.as_object_mut() {
        o.insert("state".to_owned(), Value::from("ended"));
    }
    v
}

async fn get_call(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Path(call_id): Path<String>,
) -> Result<Response, ApiError> {
    let tenant = state.authorise(&headers)?;
    let record = state
        .calls
        .store
        .get_call(call_id.clone(), tenant.name.clone())
        .await
        .map_err(|e| {
            error!(error = %e, "store read failed");
            ApiError::Internal
        })?
        .ok_or(ApiError::NotFound)?;
    let body = match &record.outcome {
        Some(o) => ended_view(&FinishedEvent::from_parts(&record.identity, o)),
        None => {
            // This node's live state; else, in cluster mode, where it stands in the shared
            // queue (queued, or dialling on another node).
            let live = state
                .calls
                .live_state(&call_id)
                .map(|s| s.as_str())
                .or(record.queue_state.map(|q| q.as_str()))
                .unwrap_or("ending");
            let id = &record.identity;
            json!({
                "type": "call-status",
                "call-id": id.call_id,
                "instruction-id": id.instruction_id,
                "caller": id.caller,
                "callee": id.callee,
                "started-on": null,
                "answered-on": null,
                "ended-on": null,
                "duration": 0.0,
                "code-read-count": 0,
                "replays": 0,
                "dtmf": "",
                "result": null,
                "state": live,
            })
        }
    };
    Ok(axum::Json(body).into_response())
}

async fn get_cdrs(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let tenant = state.authorise(&headers)?;
    let mut errors = Vec::new();
    let mut time = |name: &str| -> Option<i64> {
        let raw = q.get(name).filter(|s| !s.is_empty())?;
        let t = parse_timestamp_ms(raw);
        if t.is_none() {
            errors.push(FieldError {
                field: name.to_owned(),
                message: "must be an RFC 3339 timestamp such as 2026-11-25T20:00:00Z".to_owned(),
            });
        }
        t
    };
    let since_ms = time("since");
    let until_ms = time("until");
    let limit = match q.get("limit").filter(|s| !s.is_empty()) {
        None => 100,
        Some(s) => match s.parse::<u32>() {
            Ok(n @ 1..=1000) => n,
            _ => {
                errors.push(FieldError {
                    field: "limit".to_owned(),
                    message: "must be between 1 and 1000".to_owned(),
                });
                100
            }
        },
    };
    if !errors.is_empty() {
        return Err(ApiError::Invalid(errors));
    }
    let filter = CdrFilter {
        since_ms,
        until_ms,
        instruction_id: q.get("instruction-id").filter(|s| !s.is_empty()).cloned(),
        limit,
        tenant: tenant.name.clone(),
    };
    let cdrs = state.calls.store.query_cdrs(filter).await.map_err(|e| {
        error!(error = %e, "store read failed");
        ApiError::Internal
    })?;
    Ok(axum::Json(Value::Array(cdrs.iter().map(ended_view).collect())).into_response())
}

/// Uploads and deletions: the default tenant's, never over a shipped prompt (which every
/// client's calls play).
/// The tenant's own store, if it may write `path` there: shipped prompts are read-only
/// for everyone, and spelling sets (Custom codes) are the default tenant's.
fn writable_store(
    state: &AppState,
    tenant: &TenantConfig,
    path: &str,
) -> Result<AudioFiles, ApiError> {
    if state.audio.is_shipped_prompt(path) {
        return Err(ApiError::Forbidden("shipped prompts are read-only"));
    }
    if tenant.name != DEFAULT_TENANT
        && crate::audio::normalise_path(path).is_ok_and(|(norm, _)| norm.starts_with("/spelling/"))
    {
        return Err(ApiError::Forbidden(
            "Custom spelling sets belong to the default tenant ([http] tokens)",
        ));
    }
    Ok(state.audio.for_tenant(&tenant.name))
}

fn audio_error(e: AudioError) -> ApiError {
    match e {
        AudioError::BadPath(_) | AudioError::BadWav(_) => invalid("path", e.to_string()),
        AudioError::NotFound => ApiError::NotFound,
        AudioError::Io => {
            error!("audio store write failed");
            ApiError::Internal
        }
    }
}

async fn put_audio(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Path(path): Path<String>,
    body: Body,
) -> Result<Response, ApiError> {
    let tenant = state.authorise(&headers)?;
    let audio = writable_store(&state, &tenant, &path)?;
    match content_type(&headers).as_deref() {
        None
        | Some(
            "audio/wav"
            | "audio/x-wav"
            | "audio/wave"
            | "audio/vnd.wave"
            | "application/octet-stream",
        ) => {}
        Some(_) => return Err(ApiError::UnsupportedMediaType("audio/wav")),
    }
    let body = read_body(&headers, body, MAX_UPLOAD_BYTES).await?;
    let (norm, samples) = tokio::task::spawn_blocking(move || {
        audio.put(&path, &body).map_err(|e| match e {
            AudioError::BadWav(_) => invalid("body", e.to_string()),
            other => audio_error(other),
        })
    })
    .await
    .map_err(|_| ApiError::Internal)??;
    info!(path = %norm, samples, "audio stored");
    let body = json!({
        "success": true,
        "path": norm,
        "samples": samples,
        "sample-rate": 8000,
        "duration": (samples as f64 / 80.0).round() / 100.0,
    });
    Ok((StatusCode::CREATED, axum::Json(body)).into_response())
}

async fn get_audio(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Path(path): Path<String>,
) -> Result<Response, ApiError> {
    let tenant = state.authorise(&headers)?;
    let audio = state.audio.for_tenant(&tenant.name);
    let bytes = tokio::task::spawn_blocking(move || audio.get(&path))
        .await
        .map_err(|_| ApiError::Internal)?
        .map_err(audio_error)?;
    Ok(([(header::CONTENT_TYPE, "audio/wav")], bytes).into_response())
}

async fn delete_audio(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Path(path): Path<String>,
) -> Result<Response, ApiError> {
    let tenant = state.authorise(&headers)?;
    let audio = writable_store(&state, &tenant, &path)?;
    tokio::task::spawn_blocking(move || audio.delete(&path))
        .await
        .map_err(|_| ApiError::Internal)?
        .map_err(audio_error)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn list_audio(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let tenant = state.authorise(&headers)?;
    let audio = state.audio.for_tenant(&tenant.name);
    let files = tokio::task::spawn_blocking(move || audio.list())
        .await
        .map_err(|_| ApiError::Internal)?;
    let body: Vec<Value> = files
        .into_iter()
        .map(|(path, bytes)| json!({"path": path, "bytes": bytes}))
        .collect();
    Ok(axum::Json(Value::Array(body)).into_response())
}

/// A keepalive verdict as `/healthz` words it.
fn reachability(reachable: Option<bool>) -> &'static str {
    match reachable {
        Some(true) => "reachable",
        Some(false) => "unreachable",
        None => "unknown",
    }
}

async fn healthz(State(state): State<Arc<AppState>>) -> Response {
    let store_ok = state.calls.store.ping().await;
    let sip = state.calls.metrics.sip_ready();
    let trunk = state.calls.metrics.trunk_reachable();
    let accepting = state.calls.accepting();
    let ok = store_ok && sip != Some(false) && trunk != Some(false) && accepting;
    let body = json!({
        "status": if ok { "ok" } else { "unavailable" },
        "store": if store_ok { "ok" } else { "down" },
        "sip": match sip { Some(true) => "ok", Some(false) => "down", None => "unknown" },
        "trunk": reachability(trunk),
        // Every trunk of the group; "trunk" is their sum (reachable if one is).
        "trunks": state
            .calls
            .metrics
            .trunks_reachable()
            .into_iter()
            .map(|(name, reachable)| (name, Value::from(reachability(reachable))))
            .collect::<serde_json::Map<String, Value>>(),
        "accepting": accepting,
    });
    let status = if ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, axum::Json(body)).into_response()
}

async fn metrics(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    if let Err(e) = state.authorise_metrics(&headers) {
        return e.into_response();
    }
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.calls.metrics.render(),
    )
        .into_response()
}
