//! The integration suite: one test binary, every test against real compiled components
//! (built from `plugins/` by the host's build script) in the real runtime.

mod support;

mod bench_driver;
mod cli;
mod contract;
mod forecast;
mod guest_sizes;
mod guest_time;
mod hostile;
mod http_artifacts;
mod http_builder;
mod http_components;
mod http_configs;
mod http_docs;
mod http_input_bounds;
mod http_jobs;
mod http_observability;
mod http_rejections;
mod http_security;
mod http_workflow;
mod js_models;
mod leases;
mod limits;
mod postgres_storage;
mod python_models;
mod quickstart;
mod registration;
mod regression;
mod replicas;
mod retention;
mod sandbox_failures;
mod shell_models;
mod upload_bounds;
