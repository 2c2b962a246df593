// check-page.mjs: loads a status page in headless Chromium at a desktop and a
// phone width, checks the rendered DOM and layout, and saves a full-page
// screenshot of each.  Run by tests/integration/t50-browser.sh.
//
// Usage: node check-page.mjs URL OUTDIR [--badge WORD] [--text SENTENCE]...
//                                       [--literal TEXT]... [--lang CODE] [--dir ltr|rtl]
//                                       [--name NAME]
//   --badge WORD     the status badge reads exactly WORD (and the body has it)
//   --text SENTENCE  the body's rendered text contains SENTENCE
//   --literal TEXT   report text (hostile HTML) that must show as literal text
//   --lang CODE      <html lang> is CODE
//   --dir DIR        <html dir> is DIR, and the body's computed direction too
//   --name NAME      screenshots are OUTDIR/NAME-<width>.png (default "status")
// Prints one line per assertion, "ok ..." or "FAIL ...", and exits 1 on any
// failure (2 on a usage error).  Nothing may stick out of the viewport on
// either side (a right-to-left page overflows to the left).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const CHROMIUM = process.env.SW_CHROMIUM || '/usr/bin/chromium';
const NAV_TIMEOUT = 15000;
const VIEWPORTS = [
	{ width: 1280, height: 900 },
	{ width: 375, height: 812 },
];
// Chromium's own background traffic (updates, sync, QUIC probes) is refused by
// a closed network and must not be mistaken for the page's requests.
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
	'--disable-background-networking', '--disable-component-update', '--disable-sync'];

function usage(msg) {
	console.error(`check-page.mjs: ${msg}`);
	console.error('usage: node check-page.mjs URL OUTDIR [--badge WORD] [--text S]... [--literal S]...');
	process.exit(2);
}

const argv = process.argv.slice(2);
if (argv.length < 2)
	usage('URL and OUTDIR are required');
const [url, outDir] = argv;
const want = { badge: null, texts: [], literals: [], lang: null, dir: null, name: 'status' };
for (let i = 2; i < argv.length; i += 2) {
	const v = argv[i + 1];
	if (v === undefined)
		usage(`${argv[i]} needs a value`);
	if (argv[i] === '--badge') want.badge = v;
	else if (argv[i] === '--text') want.texts.push(v);
	else if (argv[i] === '--literal') want.literals.push(v);
	else if (argv[i] === '--lang') want.lang = v;
	else if (argv[i] === '--dir') want.dir = v;
	else if (argv[i] === '--name') want.name = v;
	else usage(`unknown option ${argv[i]}`);
}

let failures = 0;
function check(cond, what, detail = '') {
	if (cond) {
		console.log(`ok ${what}`);
	} else {
		failures++;
		console.log(`FAIL ${what}${detail ? `: ${detail}` : ''}`);
	}
}
const q = (s) => JSON.stringify(s);

// Everything the page draws, measured inside the page: the document's own
// scroll width, and every element whose box ends past either edge of the
// viewport (right for a left-to-right page, left for a right-to-left one).
function measureOverflow() {
	const vw = window.innerWidth;
	const over = [];
	// Inside a box that scrolls or clips sideways (a wide table's wrapper on a
	// phone), content may be wider than the page: the box itself is measured.
	const clipped = (el) => {
		for (let a = el.parentElement; a && a !== document.body; a = a.parentElement)
			if (['auto', 'scroll', 'hidden', 'clip'].includes(getComputedStyle(a).overflowX))
				return true;
		return false;
	};
	for (const el of document.querySelectorAll('body *')) {
		const r = el.getBoundingClientRect();
		if (r.width === 0 && r.height === 0)
			continue;
		if (clipped(el))
			continue;
		// Half a pixel of slack for subpixel rounding of layout.
		if (r.right > vw + 0.5 || r.left < -0.5) {
			const cls = el.getAttribute('class');
			over.push(`${el.tagName.toLowerCase()}${cls ? '.' + cls.trim().split(/\s+/).join('.') : ''}` +
				` left=${r.left.toFixed(1)} right=${r.right.toFixed(1)}`);
		}
	}
	return {
		vw,
		scrollWidth: document.documentElement.scrollWidth,
		bodyScrollWidth: document.body.scrollWidth,
		over,
	};
}

async function checkViewport(browser, vp) {
	const tag = `[${vp.width}px]`;
	const context = await browser.newContext({
		viewport: vp,
		deviceScaleFactor: 1,
		isMobile: false,
		javaScriptEnabled: true,	// so that an injected script would run and be caught
	});
	context.setDefaultTimeout(NAV_TIMEOUT);
	context.setDefaultNavigationTimeout(NAV_TIMEOUT);
	const page = await context.newPage();
	const requests = [];
	const problems = [];
	page.on('request', (r) => requests.push(`${r.method()} ${r.url()}`));
	page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
	page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
	page.on('dialog', (d) => { problems.push(`dialog (${d.type()}): ${d.message()}`); d.dismiss().catch(() => {}); });

	try {
		const resp = await page.goto(url, { waitUntil: 'load', timeout: NAV_TIMEOUT });
		check(resp && resp.status() === 200, `${tag} page loads with HTTP 200`,
			resp ? `HTTP ${resp.status()}` : 'no response');
		const text = await page.innerText('body', { timeout: NAV_TIMEOUT });

		if (want.badge !== null) {
			const badges = await page.locator('.st .badge').allInnerTexts();
			check(badges.length === 1 && badges[0].trim() === want.badge,
				`${tag} status badge reads ${q(want.badge)}`, `badges: ${q(badges)}`);
			check(text.includes(want.badge), `${tag} body text has the status word ${q(want.badge)}`);
		}
		for (const s of want.texts)
			check(text.includes(s), `${tag} body text has ${q(s)}`, `not in: ${q(text.slice(0, 300))}...`);

		// Report text is text: no element made from it, shown verbatim.
		const scripts = await page.locator('script').count();
		check(scripts === 0, `${tag} no <script> element in the DOM`, `${scripts} found`);
		const injected = await page.locator('body img, body iframe, body object, body embed').count();
		check(injected === 0, `${tag} no img/iframe/object/embed element in the DOM`, `${injected} found`);
		for (const s of want.literals)
			check(text.includes(s), `${tag} hostile report text shown literally: ${q(s)}`);

		const m = await page.evaluate(measureOverflow);
		check(m.vw === vp.width, `${tag} layout viewport is ${vp.width}px`, `window.innerWidth=${m.vw}`);
		check(m.scrollWidth <= m.vw && m.bodyScrollWidth <= m.vw,
			`${tag} no horizontal overflow (scrollWidth ${m.scrollWidth} <= ${m.vw})`,
			`documentElement.scrollWidth=${m.scrollWidth}, body.scrollWidth=${m.bodyScrollWidth}`);
		check(m.over.length === 0, `${tag} no element extends past either edge`,
			`${m.over.length}: ${m.over.slice(0, 10).join(', ')}`);

		if (want.lang !== null || want.dir !== null) {
			const got = await page.evaluate(() => ({
				lang: document.documentElement.getAttribute('lang'),
				dir: document.documentElement.getAttribute('dir'),
				computed: getComputedStyle(document.body).direction,
			}));
			if (want.lang !== null)
				check(got.lang === want.lang, `${tag} <html lang=${q(want.lang)}>`, `lang=${q(got.lang)}`);
			if (want.dir !== null)
				check(got.dir === want.dir && got.computed === want.dir,
					`${tag} <html dir=${q(want.dir)}> and the body is laid out ${want.dir}`,
					`dir=${q(got.dir)}, computed ${q(got.computed)}`);
		}

		const shot = join(outDir, `${want.name}-${vp.width}.png`);
		await page.screenshot({ path: shot, fullPage: true, timeout: NAV_TIMEOUT });
		check(true, `${tag} screenshot ${shot}`);

		// Only now: every request the page made, including any from the screenshot.
		const self = new URL(url).href;
		const others = requests.filter((r) => r !== `GET ${self}`);
		check(requests.length >= 1 && others.length === 0,
			`${tag} the page made no request but its own (${requests.length} in all)`,
			`others: ${others.slice(0, 10).join(', ')}`);
		check(problems.length === 0, `${tag} no console error, page error or dialog`,
			problems.slice(0, 10).join(' | '));
	} catch (e) {
		check(false, `${tag} page checks ran to the end`, String(e && e.message || e).split('\n')[0]);
	} finally {
		await context.close().catch(() => {});
	}
}

let browser;
try {
	mkdirSync(outDir, { recursive: true });
	browser = await chromium.launch({
		executablePath: CHROMIUM,
		headless: true,
		args: ARGS,
		timeout: NAV_TIMEOUT,
	});
	check(true, `chromium ${browser.version()} launched`);
	for (const vp of VIEWPORTS)
		await checkViewport(browser, vp);
} catch (e) {
	check(false, 'chromium launched', String(e && e.message || e).split('\n')[0]);
} finally {
	if (browser)
		await browser.close().catch(() => {});
}
process.exit(failures ? 1 : 0);
