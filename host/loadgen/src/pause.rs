//! The client's pause between two status reads, to the interval asked. tokio's timer
//! counts whole milliseconds and rounds a sleep up to the next tick after the one it
//! started in, so `sleep(2 ms)` took 3.1 ms here: a polled job would be seen done on the
//! client's clock, not the server's. A blocking thread's `std::thread::sleep` uses the
//! kernel's high-resolution timer and sleeps the interval and a few tens of µs, as the
//! Python client of issue 16 (`time.sleep(0.002)`) did. Polled phases wait for one job at
//! a time, so this costs one blocking thread.

use std::time::Duration;

/// Sleeps `interval` on a blocking thread (see the module's doc).
pub async fn pause(interval: Duration) {
    if tokio::task::spawn_blocking(move || std::thread::sleep(interval)).await.is_err() {
        // The blocking pool is shutting down: the runtime's own timer still waits.
        tokio::time::sleep(interval).await;
    }
}
