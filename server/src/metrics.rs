//! What `/metrics` tells Prometheus: requests by route and status with their latency, sync
//! mutations applied and rejected by kind, upload bytes, periodic job runs and failures; and, read
//! when scraped, the derivative queue, the outbox backlog and the database pools.
//!
//! Counters are this server's own (Prometheus sums them over the instances, each labelled by its
//! scrape target); the gauges read from the database are the deployment's.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    route: String,
    method: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct MutationLabels {
    kind: String,
    outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct JobLabels {
    job: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PoolLabels {
    pool: String,
    state: String,
}

type Histograms = Family<RouteLabels, Histogram, fn() -> Histogram>;

/// This server's metrics.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Histograms,
    mutations: Family<MutationLabels, Counter>,
    upload_bytes: Counter,
    job_runs: Family<JobLabels, Counter>,
    job_failures: Family<JobLabels, Counter>,
    derivative_queue: Gauge,
    outbox_backlog: Gauge,
    pool: Family<PoolLabels, Gauge>,
}

/// What the database says at scrape time.
pub struct Readings {
    pub pending_derivatives: i64,
    pub outbox_backlog: i64,
    /// Per pool (`read`, `write`): connections open and idle.
    pub pools: Vec<(&'static str, u32, u32)>,
}

fn latency_histogram() -> Histogram {
    // 1 ms to about 16 s.
    Histogram::new(exponential_buckets(0.001, 2.0, 15))
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("baoxiu");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests by route pattern, method and status",
            requests.clone(),
        );
        let latency: Histograms = Family::new_with_constructor(latency_histogram);
        registry.register(
            "http_request_duration_seconds",
            "Time to the response head, by route",
            latency.clone(),
        );
        let mutations = Family::<MutationLabels, Counter>::default();
        registry.register("sync_mutations", "Pushed mutations by kind and outcome", mutations.clone());
        let upload_bytes = Counter::default();
        registry.register("upload_bytes", "Bytes received in uploads", upload_bytes.clone());
        let job_runs = Family::<JobLabels, Counter>::default();
        registry.register("job_runs", "Periodic job runs this server did", job_runs.clone());
        let job_failures = Family::<JobLabels, Counter>::default();
        registry.register("job_failures", "Periodic job runs that failed", job_failures.clone());
        let derivative_queue = Gauge::default();
        registry.register("derivative_queue", "Images waiting for thumbnails", derivative_queue.clone());
        let outbox_backlog = Gauge::default();
        registry.register("outbox_backlog", "Notifications waiting to be delivered", outbox_backlog.clone());
        let pool = Family::<PoolLabels, Gauge>::default();
        registry.register("db_pool_connections", "Database connections by pool and state", pool.clone());
        Metrics {
            registry,
            requests,
            latency,
            mutations,
            upload_bytes,
            job_runs,
            job_failures,
            derivative_queue,
            outbox_backlog,
            pool,
        }
    }

    /// One request answered: its route pattern (never the raw path, so ids do not multiply series).
    pub fn request(&self, route: &str, method: &str, status: u16, seconds: f64) {
        let route = route.to_string();
        self.requests
            .get_or_create(&RequestLabels { route: route.clone(), method: method.to_string(), status })
            .inc();
        self.latency.get_or_create(&RouteLabels { route }).observe(seconds);
    }

    /// One pushed mutation, `applied` or `rejected`.
    pub fn mutation(&self, kind: &str, outcome: &str) {
        self.mutations
            .get_or_create(&MutationLabels { kind: kind.to_string(), outcome: outcome.to_string() })
            .inc();
    }

    pub fn upload_bytes(&self, n: usize) {
        self.upload_bytes.inc_by(n as u64);
    }

    /// A periodic job this server ran, and whether it failed.
    pub fn job(&self, job: &str, failed: bool) {
        let labels = JobLabels { job: job.to_string() };
        self.job_runs.get_or_create(&labels).inc();
        if failed {
            self.job_failures.get_or_create(&labels).inc();
        }
    }

    /// The text exposition, with `readings` as the gauges.
    pub fn encode(&self, readings: &Readings) -> Result<String, std::fmt::Error> {
        self.derivative_queue.set(readings.pending_derivatives);
        self.outbox_backlog.set(readings.outbox_backlog);
        for (pool, open, idle) in &readings.pools {
            let gauge = |state: &str| PoolLabels { pool: pool.to_string(), state: state.to_string() };
            self.pool.get_or_create(&gauge("busy")).set(i64::from(open.saturating_sub(*idle)));
            self.pool.get_or_create(&gauge("idle")).set(i64::from(*idle));
        }
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.registry)?;
        Ok(text)
    }
}
