/**
 * The `kemu compare --html` page in a real browser: Debian's chromium, driven by playwright-core,
 * opens the file with the network cut off, and the page must render with no console error, no
 * failed request, its charts drawn (bars with a width on screen) and the topology drawn.
 *
 * Needs the Debian package `chromium` (.ci/run installs it) and the npm package `playwright-core`
 * (a devDependency); without either it fails saying which, as every interop test does.
 */
import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { renderHtml } from '../../src/report/html.js';
import { buildReport } from '../../src/report/summary.js';
import { FIXTURE_MODES, compareTopology, fixtureRun } from '../report/fixture.js';

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));

interface Browser { newPage(): Promise<Page>; close(): Promise<void> }
interface Page {
  on(event: 'console', fn: (m: { type(): string; text(): string }) => void): void;
  on(event: 'pageerror', fn: (e: Error) => void): void;
  on(event: 'requestfailed', fn: (r: { url(): string }) => void): void;
  route(pattern: string, handler: (route: { request(): { url(): string }; abort(): Promise<void>; continue(): Promise<void> }) => Promise<void>): Promise<void>;
  goto(url: string, opts?: { waitUntil?: string }): Promise<unknown>;
  evaluate<T>(fn: () => T): Promise<T>;
}

describe('interop: the HTML report in headless chromium', function () {
  this.timeout(60_000);
  let browser: Browser | undefined;
  let dir: string;

  before(async function () {
    let playwright: { chromium: { launch(o: object): Promise<Browser> } };
    try {
      playwright = (await import('playwright-core')) as never;
    } catch {
      throw new Error('the npm package playwright-core is not installed: run npm ci (it is a devDependency)');
    }
    if (CHROMIUM === undefined) throw new Error('chromium is not installed: install the Debian package "chromium" (apt-get install chromium)');
    browser = await playwright.chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    dir = await mkdtemp(join(tmpdir(), 'kemu-report-'));
  });

  after(async () => {
    await browser?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('renders with no console error, its charts and the topology drawn, without the network', async () => {
    const runs = FIXTURE_MODES.map(fixtureRun);
    const report = buildReport(await compareTopology(), 'topologies/compare-two-racks.yaml', runs, runs.map((r) => r.mode), 30_000);
    const file = join(dir, 'report.html');
    await writeFile(file, renderHtml(report));

    const page = await browser!.newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
    // Self-contained: anything but the file itself is refused, and would show up as a failed request.
    await page.route('**/*', async (route) => (route.request().url().startsWith('file:') ? route.continue() : route.abort()));
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });

    const drawn = await page.evaluate(() => {
      const charts = [...document.querySelectorAll('svg.chart')];
      return {
        charts: charts.length,
        chartsWithBars: charts.filter((c) => [...c.querySelectorAll('rect.bar')].some((b) => b.getBoundingClientRect().width > 0)).length,
        topologyNodes: document.querySelectorAll('#topology-drawing rect.node').length,
        tables: document.querySelectorAll('table').length,
        title: document.title,
      };
    });
    expect(problems).to.deep.equal([]);
    expect(drawn.title).to.equal('kemu compare — compare-two-racks');
    expect(drawn.charts).to.be.at.least(9);
    expect(drawn.chartsWithBars).to.equal(drawn.charts);
    expect(drawn.topologyNodes).to.equal(4);
    expect(drawn.tables).to.equal(6);
  });
});
