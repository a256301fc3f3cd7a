// The spec's browser workflow in a real headless Chromium, through Swagger UI only: open the
// service's root (it leads to /docs), count the operations rendered, then with "Try it
// out": create a config, train, follow the job, predict, follow that job, read the
// predictions. Fails if the page fetches anything from another origin (the UI must work
// offline) or if a step answers other than the spec says.
//
// usage: node swagger_try_it_out.mjs <base-url> <screenshot.png>
// prints one JSON line last: {"operations": N, "status": S, "steps": [...], "url": "..."}
import { chromium } from "playwright-core";

const [served, screenshot] = process.argv.slice(2);
if (!served || !screenshot) {
  console.error("usage: node swagger_try_it_out.mjs <base-url> <screenshot.png>");
  process.exit(2);
}
const address = new URL(served);
const base = `http://chapwasm.test:${address.port}`;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--no-sandbox", `--host-resolver-rules=MAP chapwasm.test ${address.hostname}`],
});

/** The operation `method path` on the page, expanded, with "Try it out" pressed. */
async function operation(page, method, path) {
  const block = page.locator(`.opblock-${method}`, {
    has: page.locator(`.opblock-summary-path[data-path="${path}"]`),
  });
  if (!(await block.locator(".try-out__btn").isVisible())) {
    await block.locator(".opblock-summary").click();
  }
  const tryOut = block.locator(".try-out__btn");
  if ((await tryOut.innerText()).trim() === "Try it out") await tryOut.click();
  return block;
}

/** Executes `block` with these path parameters and body; its status and parsed body. */
async function execute(block, { params = {}, body } = {}) {
  for (const [name, value] of Object.entries(params)) {
    await block.locator(`tr[data-param-name="${name}"] input`).fill(value);
  }
  if (body !== undefined) await block.locator("textarea.body-param__text").fill(JSON.stringify(body));
  const shown = block.locator(".live-responses-table .response .response-col_status").first();
  // A new answer replaces the old one: wait for the old one to go first.
  if (await shown.isVisible()) await block.locator("button.btn-clear").click();
  await block.locator("button.execute").click();
  await shown.waitFor();
  const status = Number((await shown.innerText()).trim());
  const text = await block.locator(".live-responses-table .response-col_description pre").first().innerText();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON (an empty 204, say)
  }
  return { status, json };
}

/** Executes `GET /api/v1/jobs/{id}` until the job has ended; its last record. */
async function follow(page, jobId) {
  const block = await operation(page, "get", "/api/v1/jobs/{id}");
  for (let attempt = 0; attempt < 100; attempt++) {
    const { status, json } = await execute(block, { params: { id: jobId } });
    if (status !== 200) throw new Error(`GET /api/v1/jobs/${jobId}: ${status}`);
    if (["completed", "failed", "canceled"].includes(json.status)) return json;
    await page.waitForTimeout(200);
  }
  throw new Error(`job ${jobId} did not end`);
}

function expect(step, answer, status) {
  if (answer.status !== status) {
    throw new Error(`${step}: expected ${status}, got ${answer.status}: ${JSON.stringify(answer.json)}`);
  }
}

try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1400 } });
  page.setDefaultTimeout(30_000);
  const elsewhere = [];
  page.on("request", (request) => {
    const url = request.url();
    if (!url.startsWith(base) && !url.startsWith("data:")) elsewhere.push(url);
  });

  await page.goto(`${base}/`);
  await page.waitForSelector(".opblock");
  const operations = await page.locator(".opblock").count();
  const steps = [];

  const create = await operation(page, "post", "/api/v1/configs");
  const config = await execute(create, { body: { name: "from-swagger-ui", data: {} } });
  expect("POST /api/v1/configs", config, 201);
  steps.push("config created");
  await create.scrollIntoViewIfNeeded();
  await page.screenshot({ path: screenshot });

  const frame = { columns: ["rainfall", "disease_cases"], data: [[1, 2], [2, 4], [3, 6], [4, 8]] };
  const train = await operation(page, "post", "/api/v1/ml/$train");
  const trained = await execute(train, { body: { config_id: config.json.id, data: frame } });
  expect("POST /api/v1/ml/$train", trained, 202);
  const trainJob = await follow(page, trained.json.job_id);
  if (trainJob.status !== "completed") throw new Error(`training ended ${JSON.stringify(trainJob)}`);
  steps.push("model trained");

  const future = { columns: ["rainfall"], data: [[5], [6]] };
  const predict = await operation(page, "post", "/api/v1/ml/$predict");
  const body = { model_artifact_id: trained.json.artifact_id, historic: { columns: ["rainfall"], data: [] }, future };
  const predicted = await execute(predict, { body });
  expect("POST /api/v1/ml/$predict", predicted, 202);
  const predictJob = await follow(page, predicted.json.job_id);
  if (predictJob.status !== "completed") throw new Error(`prediction ended ${JSON.stringify(predictJob)}`);
  steps.push("predicted");

  const read = await operation(page, "get", "/api/v1/artifacts/{id}");
  const artifact = await execute(read, { params: { id: predicted.json.artifact_id } });
  expect("GET /api/v1/artifacts/{id}", artifact, 200);
  const rows = artifact.json?.data?.predictions?.data?.length;
  if (rows !== 2) throw new Error(`the predictions have ${rows} rows: ${JSON.stringify(artifact.json)}`);
  steps.push("predictions read");

  if (elsewhere.length > 0) {
    console.error(`the page fetched from other origins: ${elsewhere.join(", ")}`);
    process.exitCode = 1;
  }
  console.log(JSON.stringify({ operations, status: config.status, steps, url: page.url() }));
} finally {
  await browser.close();
}
