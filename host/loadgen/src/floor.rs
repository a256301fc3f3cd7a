//! The client's round-trip floor: what one bodiless request costs this client over
//! loopback when the server does no work at all. It is measured against a responder in
//! the driver's own process that answers every request with an empty 200, so the figure
//! is the same whichever server is under test, and a server's 202 latency can be read as
//! "so much above what any server could answer". Likewise the poll interval as the client
//! actually sleeps it (see `pause`): a polled job that is not done at the status read
//! right after its 202 is seen done no sooner than one such interval later, on any
//! server.

use super::client::{BenchClient, LoadError};
use super::pause::pause;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// The longest request head the responder reads (the client's GET is ~100 bytes).
const MAX_HEAD_BYTES: usize = 8 << 10;

/// Round-trip times, in seconds, of `samples` bodiless GETs to a do-nothing responder.
pub async fn round_trip_floor(client: &BenchClient, samples: usize) -> Result<Vec<f64>, LoadError> {
    let listener = TcpListener::bind("127.0.0.1:0").await.map_err(io)?;
    let url = format!("http://{}/floor", listener.local_addr().map_err(io)?);
    let responder = tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(answer_empty(stream));
        }
    });
    let mut times = Vec::with_capacity(samples);
    // The first request opens the connection; it is not part of the floor.
    client.round_trip(&url).await?;
    for _ in 0..samples {
        times.push(client.round_trip(&url).await?.as_secs_f64());
    }
    responder.abort();
    Ok(times)
}

/// How long, in seconds, each of `samples` sleeps of `interval` took in this client.
pub async fn interval_as_slept(interval: Duration, samples: usize) -> Vec<f64> {
    let mut times = Vec::with_capacity(samples);
    for _ in 0..samples {
        let started = Instant::now();
        pause(interval).await;
        times.push(started.elapsed().as_secs_f64());
    }
    times
}

/// Answers each request head on a kept-alive connection with an empty 200.
async fn answer_empty(mut stream: TcpStream) {
    let mut head = Vec::new();
    let mut buffer = [0u8; 1024];
    loop {
        match stream.read(&mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buffer[..n]),
        }
        while let Some(end) = head.windows(4).position(|w| w == b"\r\n\r\n") {
            head.drain(..end + 4);
            if stream.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n").await.is_err() {
                return;
            }
        }
        if head.len() > MAX_HEAD_BYTES {
            return;
        }
    }
}

fn io(error: std::io::Error) -> LoadError {
    LoadError::Protocol(format!("the round-trip responder: {error}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_floor_is_measured_against_an_empty_responder() {
        let client = BenchClient::new("http://127.0.0.1:9");
        let times = round_trip_floor(&client, 5).await.unwrap();
        assert_eq!(times.len(), 5);
        assert!(times.iter().all(|t| *t > 0.0));
    }

    #[tokio::test]
    async fn a_sleep_takes_at_least_its_interval() {
        let times = interval_as_slept(Duration::from_millis(2), 3).await;
        assert_eq!(times.len(), 3);
        assert!(times.iter().all(|t| *t >= 0.002), "{times:?}");
    }
}
