// Drives code-server in Debian's headless Chromium (playwright-core, never a downloaded browser):
// opens the defective example config, reads the Problems panel, hovers a spec, applies the
// MC060 quick-fix and saves. Screenshots and results.json go to OUT.
// Then runs "Mantile: Check Workspace" from the command palette, and points mantile.server.path
// at a missing file to see the error.
// Usage: node drive.js URL WORKSPACE_DIR OUT_DIR MACHINE_SETTINGS_JSON MOCK_HUB_URL   (run by e2e/run.sh)
/* global document -- page.evaluate callbacks run in the browser */
const { chromium } = require('playwright-core');
const fs = require('fs');
const os = require('os');
const path = require('path');

const CONFIG = 'acme_Wide-MoE-2B.json';
const GAP = 'multi_token_prediction.md';
const FIX = 'Set parameter_count to 7,864,320';

(async () => {
  const [url, workspace, out, machineSettings, hubEndpoint] = process.argv.slice(2);
  const configPath = path.join(workspace, 'backend', 'data', 'model_configs', CONFIG);
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'chromium-profile-'));
  const t0 = Date.now();
  const log = (m) => console.log(`[drive ${((Date.now() - t0) / 1000).toFixed(1)}s] ${m}`);
  const results = { problems: [], hover: '', quickFixes: [], fixedOnDisk: false, mc060Cleared: false, status: '', gapProblems: [], checkWorkspace: '', newConfig: '', newConfigWritten: false, newConfigOpened: false, missingServer: '', earlyErrors: [], view: [], viewOpened: false, viewAfterNew: [], inspect: '' };
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1280, height: 760 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = ctx.pages()[0] || (await ctx.newPage());
  const shot = async (name) => {
    await page.screenshot({ path: path.join(out, name) });
    log(`screenshot ${name}`);
  };
  const openFile = async (name) => {
    const tab = page.locator('.tabs-container .tab', { hasText: name }).first();
    for (let attempt = 1; ; attempt++) {
      await page.keyboard.press('Control+P');
      await page.waitForSelector('.quick-input-widget input', { timeout: 15000 });
      await page.keyboard.type(name, { delay: 20 });
      // Wait for the file search to list it (slow on a busy machine), then open it.
      await page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first().waitFor({ timeout: 20000 });
      await page.waitForTimeout(300);
      await page.keyboard.press('Enter');
      const opened = await tab.waitFor({ timeout: 10000 }).then(() => true, () => false);
      if (opened) return;
      if (attempt === 3) throw new Error(`could not open ${name} with Ctrl+P`);
      await page.keyboard.press('Escape');
    }
  };
  const goto = async (line, col) => {
    await page.keyboard.press('Control+G');
    await page.waitForSelector('.quick-input-widget input', { timeout: 10000 });
    await page.keyboard.type(`${line}:${col}`, { delay: 20 });
    await page.keyboard.press('Enter');
    await page.waitForTimeout(300);
  };
  try {
    page.on('pageerror', (e) => log('pageerror: ' + e.message));
    await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 60000 });
    await page.waitForSelector('.monaco-workbench', { timeout: 60000 });
    log('workbench loaded');
    await page.waitForTimeout(3000); // the extension host starts after the workbench

    // Open the defective config.
    await page.locator('.monaco-workbench').click({ position: { x: 640, y: 380 } });
    await openFile(CONFIG);
    log('opened ' + CONFIG);

    // The status bar item turns to ready (check icon) once the server answered initialize.
    const status = page.locator('.statusbar-item', { hasText: 'Mantile' }).first();
    await status.locator('.codicon-check').waitFor({ timeout: 30000 })
      .catch(() => log('status bar never showed ready'));
    // Then the server's own report of the Hub: offline (the user setting), nothing cached.
    await status.filter({ hasText: 'Hub offline' }).waitFor({ timeout: 15000 }).catch(() => log('no Hub report from the server'));
    results.status = (await status.innerText().catch(() => '')).replace(/\s+/g, ' ').trim();
    results.statusReady = (await status.locator('.codicon-check').count()) > 0;
    log('status bar: ' + results.status);
    // The workspace's .vscode/settings.json names a missing server and another Hub endpoint:
    // both are ignored (machine-only settings), so no error may have appeared.
    results.earlyErrors = (await page.locator('.notifications-toasts .notification-list-item-message').allInnerTexts().catch(() => []))
      .filter((t) => /Mantile/.test(t));

    // Problems panel: our diagnostics, MC060 among them.
    await page.keyboard.press('Control+Shift+M');
    const rows = page.locator('.markers-panel .monaco-list-row');
    await rows.filter({ hasText: 'MC060' }).first().waitFor({ timeout: 30000 })
      .catch(() => log('no MC060 row in the Problems panel'));
    // The rows settle as pushed diagnostics arrive: read them once MC060 is listed.
    await page.waitForTimeout(500);
    results.problems = (await rows.allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
    results.mc060Row = results.problems.find((p) => p.includes('MC060')) ?? '';
    log(`problems (${results.problems.length}):\n  ` + results.problems.join('\n  '));
    await goto(21, 30);
    await page.waitForTimeout(500);
    await shot('problems.png');

    // Hover a spec: the num_kv_heads key of the attention layer.
    await goto(1, 1);
    const key = page.locator('.view-lines .view-line span span', { hasText: '"num_kv_heads"' }).first();
    await key.hover();
    const hover = page.locator('.monaco-hover:visible').first();
    await hover.waitFor({ timeout: 15000 }).catch(() => log('no hover appeared'));
    await page.waitForTimeout(700);
    results.hover = (await hover.innerText().catch(() => '')).trim();
    log('hover:\n  ' + results.hover.split('\n').join('\n  '));
    await shot('hover.png');
    await page.mouse.move(1200, 40);
    await page.keyboard.press('Escape');

    // Quick-fix on the MC060 finding (line 21): Ctrl+. lists the server's code actions.
    await goto(21, 30);
    await page.keyboard.press('Control+.');
    const item = page.getByText(FIX, { exact: false }).first();
    await item.waitFor({ timeout: 15000 }).catch(() => log('quick-fix not offered'));
    results.quickFixes = (await page.locator('.action-widget .monaco-list-row, .context-view .monaco-list-row').allInnerTexts().catch(() => []))
      .map((t) => t.replace(/\s+/g, ' ').trim()).filter(Boolean);
    log('quick fixes: ' + JSON.stringify(results.quickFixes));
    await shot('quickfix.png');
    await item.click();
    await page.waitForTimeout(500);
    await page.keyboard.press('Control+S');
    for (let i = 0; i < 40 && !results.fixedOnDisk; i++) {
      await page.waitForTimeout(250);
      results.fixedOnDisk = /"parameter_count": 7864320\b/.test(fs.readFileSync(configPath, 'utf8'));
    }
    log('fix saved to disk: ' + results.fixedOnDisk);
    // The finding goes away once the server rechecks the edited text.
    for (let i = 0; i < 40 && !results.mc060Cleared; i++) {
      await page.waitForTimeout(250);
      const texts = await rows.allInnerTexts();
      results.mc060Cleared = texts.length > 0 && !texts.some((t) => t.includes('MC060'));
    }
    results.problemsAfter = (await rows.allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
    log('MC060 gone from Problems: ' + results.mc060Cleared);
    await shot('after-fix.png');

    // A gap report: its findings (GR001 on the title, MT001 on a calculation) in Problems.
    await openFile(GAP);
    const gapRows = page.locator('.markers-panel .monaco-list-row');
    await gapRows.filter({ hasText: 'GR001' }).first().waitFor({ timeout: 30000 }).catch(() => log('no GR001 row'));
    await gapRows.filter({ hasText: 'MT001' }).first().waitFor({ timeout: 30000 }).catch(() => log('no MT001 row'));
    await page.waitForTimeout(500);
    results.gapProblems = (await gapRows.allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
    log(`gap report problems:\n  ` + results.gapProblems.join('\n  '));
    await goto(34, 55);
    await page.waitForTimeout(500);
    await shot('gap-report.png');

    // The Mantile view in the Explorer: the guide's §6 deliverables, from mantile/registry.
    await page.keyboard.press('Control+Shift+E');
    const pane = page.locator('.pane', { has: page.locator('.pane-header', { hasText: /^\s*Mantile/i }) }).first();
    const paneHeader = pane.locator('.pane-header').first();
    await paneHeader.waitFor({ timeout: 20000 }).catch(() => log('no Mantile view in the Explorer'));
    // Room for it: the folder pane collapsed, the Mantile pane expanded.
    const folders = page.locator('.explorer-folders-view').first();
    if (await folders.isVisible().catch(() => false)) {
      const fh = page.locator('.pane', { has: folders }).locator('.pane-header').first();
      if ((await fh.getAttribute('aria-expanded')) === 'true') await fh.click();
    }
    if ((await paneHeader.getAttribute('aria-expanded')) === 'false') await paneHeader.click();
    const viewRows = pane.locator('.monaco-list-row');
    const rowText = (t) => t.replace(/\s+/g, ' ').trim();
    // Each row as "label description" (the two are separate elements, shown side by side).
    const readView = async () => (await viewRows.evaluateAll((rows) => rows.map((r) => {
      const part = (sel) => (r.querySelector(sel)?.textContent ?? '').trim();
      return [part('.label-name'), part('.label-description')].filter(Boolean).join(' ');
    })).catch(() => [])).map(rowText);
    await viewRows.filter({ hasText: 'acme_Wide-MoE-2b' }).first().waitFor({ timeout: 30000 }).catch(() => log('the view lists no model'));
    // The saved quick-fix and the defective gap report are in (refreshed on mantile/registryChanged).
    await viewRows.filter({ hasText: '1 error, 4 warnings' }).first().waitFor({ timeout: 20000 }).catch(() => log('the view did not refresh after the fix'));
    // Expand the gap and the unaccounted gaps.
    const expand = async (text) => {
      const row = viewRows.filter({ hasText: text }).first();
      if ((await row.getAttribute('aria-expanded')) === 'false') await row.locator('.monaco-tl-twistie').click();
    };
    await expand('Multi-Token Prediction Head');
    await expand('Unaccounted gaps');
    await viewRows.filter({ hasText: 'Suite: multi_token_prediction_tests.md' }).first().waitFor({ timeout: 10000 }).catch(() => log('the gap has no suite row'));
    // A wider side bar, so that the screenshot shows the descriptions whole.
    const sidebarSash = await page.evaluate(() => {
      for (const el of document.querySelectorAll('.monaco-sash.vertical')) {
        const r = el.getBoundingClientRect();
        if (r.height > 300 && r.x > 200 && r.x < 500) return { x: r.x + r.width / 2, y: r.y + r.height / 2 };
      }
      return null;
    });
    if (sidebarSash) {
      await page.mouse.move(sidebarSash.x, sidebarSash.y);
      await page.mouse.down();
      await page.mouse.move(sidebarSash.x + 300, sidebarSash.y, { steps: 10 });
      await page.mouse.up();
    }
    await page.waitForTimeout(500);
    results.view = await readView();
    log('Mantile view:\n  ' + results.view.join('\n  '));
    await shot('mantile-view.png');
    if (sidebarSash) {
      // Back to the width the other steps read their panels at.
      await page.mouse.move(sidebarSash.x + 300, sidebarSash.y);
      await page.mouse.down();
      await page.mouse.move(sidebarSash.x, sidebarSash.y, { steps: 10 });
      await page.mouse.up();
    }
    // Clicking a model opens its config.
    await viewRows.filter({ hasText: 'acme_Tiny-Llama-100M' }).first().click();
    results.viewOpened = await page.locator('.tabs-container .tab.active', { hasText: 'acme_Tiny-Llama-100M.json' }).first()
      .waitFor({ timeout: 10000 }).then(() => true, () => false);
    log('clicking the model opened its config: ' + results.viewOpened);

    // Mantile: Check Workspace, from the command palette: a summary notification.
    const toasts = page.locator('.notifications-toasts .notification-list-item-message');
    await page.keyboard.press('Control+Shift+P');
    await page.waitForSelector('.quick-input-widget input', { timeout: 10000 });
    await page.keyboard.type('Mantile: Check Workspace', { delay: 20 });
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Check Workspace' }).first().waitFor({ timeout: 10000 });
    await page.keyboard.press('Enter');
    const summary = toasts.filter({ hasText: 'checked' }).first();
    await summary.waitFor({ timeout: 60000 }).catch(() => log('no check summary notification'));
    results.checkWorkspace = (await summary.innerText().catch(() => '')).trim();
    log('check workspace: ' + results.checkWorkspace);
    // The findings are in the Problems panel (the command shows it); the Mantile output, a log
    // channel, has the summary at its level.
    results.problemsAfterCheck = (await rows.allInnerTexts().catch(() => [])).length;
    await page.keyboard.press('Control+Shift+P');
    await page.waitForSelector('.quick-input-widget input', { timeout: 10000 });
    await page.keyboard.type('Mantile: Show Output', { delay: 20 });
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Show Output' }).first().waitFor({ timeout: 10000 });
    await page.keyboard.press('Enter');
    await page.waitForTimeout(1000);
    results.outputLines = (await page.locator('.part.panel .monaco-editor .view-lines').first().innerText().catch(() => ''))
      .split('\n').map((l) => l.replace(/\s+/g, ' ').trim()).filter(Boolean);
    log('output (visible lines):\n  ' + results.outputLines.join('\n  '));
    await shot('check-workspace.png');

    // New Config from Hugging Face…: the input box, then mantile-lsp new. Hub offline with an
    // empty cache here (no network in tests), so the generator's own error must show.
    await page.keyboard.press('Control+Shift+P');
    await page.waitForSelector('.quick-input-widget input', { timeout: 10000 });
    await page.keyboard.type('Mantile: New Config from Hugging Face', { delay: 20 });
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'New Config from Hugging Face' }).first().waitFor({ timeout: 10000 });
    await page.keyboard.press('Enter');
    await page.locator('.quick-input-widget', { hasText: 'Hugging Face model id' }).first().waitFor({ timeout: 10000 });
    await page.keyboard.type('acme/Not-Cached-1B', { delay: 20 });
    await page.keyboard.press('Enter');
    const newErr = toasts.filter({ hasText: 'no cached metadata' }).first();
    await newErr.waitFor({ timeout: 30000 }).catch(() => log('no error from New Config'));
    results.newConfig = (await newErr.innerText().catch(() => '')).trim();
    log('new config: ' + results.newConfig);

    // Then with the Hub live (crates/mantile-hub-mock's server): the config is written and opened.
    if (machineSettings && hubEndpoint) {
      const settings = JSON.parse(fs.readFileSync(machineSettings, 'utf8'));
      Object.assign(settings, { 'mantile.hub.offline': false, 'mantile.hub.endpoint': hubEndpoint });
      fs.writeFileSync(machineSettings, JSON.stringify(settings, null, 2) + '\n');
      // Ready again after the restart; the Hub mode is the server's report (the example
      // workspace's fictional acme/* models are unknown to the mock Hub: "Hub error").
      await status.filter({ hasText: /Hub (live|cached|error)/ }).locator('.codicon-check').waitFor({ timeout: 30000 })
        .catch(() => log('status bar never showed ready with a Hub report'));
      results.statusLive = (await status.innerText().catch(() => '')).replace(/\s+/g, ' ').trim();
      const id = 'TinyLlama/TinyLlama-1.1B-Chat-v1.0';
      const file = 'TinyLlama_TinyLlama-1.1B-Chat-v1.0.json';
      await page.keyboard.press('Control+Shift+P');
      await page.waitForSelector('.quick-input-widget input', { timeout: 10000 });
      await page.keyboard.type('Mantile: New Config from Hugging Face', { delay: 20 });
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'New Config from Hugging Face' }).first().waitFor({ timeout: 10000 });
      await page.keyboard.press('Enter');
      await page.locator('.quick-input-widget', { hasText: 'Hugging Face model id' }).first().waitFor({ timeout: 10000 });
      await page.keyboard.type(id, { delay: 20 });
      await page.keyboard.press('Enter');
      await page.locator('.tabs-container .tab', { hasText: file }).first().waitFor({ timeout: 30000 })
        .catch(() => log('the generated config was not opened'));
      const written = path.join(workspace, 'backend', 'data', 'model_configs', file);
      results.newConfigWritten = fs.existsSync(written) && JSON.parse(fs.readFileSync(written, 'utf8')).hf_model_id === id;
      results.newConfigOpened = (await page.locator('.tabs-container .tab.active', { hasText: file }).count()) > 0;
      log(`new config (status: ${results.statusLive}): written ${results.newConfigWritten}, opened ${results.newConfigOpened}`);
      await page.waitForTimeout(1500);
      await shot('new-config.png');
      // The view hears of the new file from the server and lists it.
      await page.keyboard.press('Control+Shift+E');
      await viewRows.filter({ hasText: 'TinyLlama_TinyLlama-1.1B-Chat-v1.0' }).first().waitFor({ timeout: 30000 })
        .catch(() => log('the view did not list the new config'));
      results.viewAfterNew = await readView();
      log('Mantile view after New Config:\n  ' + results.viewAfterNew.join('\n  '));

      // Inspect Model Tensors…: the server's inventory in a read-only mantile-inspect: document.
      await page.keyboard.press('Control+Shift+P');
      await page.waitForSelector('.quick-input-widget input', { timeout: 10000 });
      await page.keyboard.type('Mantile: Inspect Model Tensors', { delay: 20 });
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Inspect Model Tensors' }).first().waitFor({ timeout: 10000 });
      await page.keyboard.press('Enter');
      await page.locator('.quick-input-widget', { hasText: 'Hugging Face model id' }).first().waitFor({ timeout: 10000 });
      // The active config's hf_model_id is offered: accept it.
      await page.waitForTimeout(300);
      await page.keyboard.press('Enter');
      const tensorsTab = page.locator('.tabs-container .tab.active', { hasText: 'TinyLlama-1.1B-Chat-v1.0.tensors' }).first();
      await tensorsTab.waitFor({ timeout: 30000 }).catch(() => log('no tensors document'));
      await page.waitForTimeout(1000);
      results.inspect = (await page.locator('.editor-group-container.active .view-lines').first().innerText().catch(() => ''))
        .replace(/\u00a0/g, ' ');
      // Typing into it is refused: VS Code says the editor is read-only.
      await page.locator('.editor-group-container.active .view-lines').first().click();
      await page.keyboard.type('x');
      const refused = page.locator('.monaco-editor-overlaymessage', { hasText: /read-only|readonly/i }).first();
      results.inspectReadOnly = await refused.waitFor({ timeout: 5000 }).then(() => true, () => false);
      log('inspect (read-only: ' + results.inspectReadOnly + '):\n  ' + results.inspect.split('\n').slice(0, 6).join('\n  '));
      await shot('inspect.png');
    }

    // A mantile.server.path that names no file: an error that says how to fix it.
    if (machineSettings) {
      // mantile.server.path is machine-scoped: in code-server it is read from the remote
      // machine's settings (user-data-dir/Machine/settings.json), which the server watches.
      const settings = JSON.parse(fs.readFileSync(machineSettings, 'utf8'));
      settings['mantile.server.path'] = '/nonexistent/mantile-lsp';
      fs.writeFileSync(machineSettings, JSON.stringify(settings, null, 2) + '\n');
      const err = toasts.filter({ hasText: 'mantile.server.path is set to' }).first();
      await err.waitFor({ timeout: 30000 }).catch(() => log('no error for a missing server'));
      results.missingServer = (await err.innerText().catch(() => '')).trim();
      results.statusAfterMissing = (await status.innerText().catch(() => '')).replace(/\s+/g, ' ').trim();
      results.statusErrorIcon = (await status.locator('.codicon-error').count()) > 0;
      log('missing server: ' + results.missingServer + ' | status: ' + results.statusAfterMissing + (results.statusErrorIcon ? ' (error icon)' : ''));
      await shot('missing-server.png');
    }
  } catch (e) {
    log('error: ' + (e && e.stack ? e.stack : e));
    await page.screenshot({ path: path.join(out, 'failure.png') }).catch(() => {});
    results.error = String(e && e.message ? e.message : e);
  } finally {
    fs.writeFileSync(path.join(out, 'results.json'), JSON.stringify(results, null, 2) + '\n');
    await ctx.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
  // Whether each of `lines` is a whole line of `text`, in this order.
  const inOrder = (text, lines) => {
    const got = text.split('\n').map((l) => l.trim());
    let at = 0;
    for (const line of lines) {
      const i = got.indexOf(line, at);
      if (i < 0) return false;
      at = i + 1;
    }
    return true;
  };
  // Every expectation, by name, so that a failure says which one.
  const checks = {
    'status bar ready, Hub mode from the server': results.statusReady && results.status === 'Mantile · Hub offline',
    'workspace settings ignored (no early error)': results.earlyErrors.length === 0,
    // Problems rows are "message source code [Ln, Col]": each compared whole.
    'MC060 row with its position': results.mc060Row === 'parameter_count 7,077,888 of layer "attention" does not match its specs: q 1536×2048 + k,v 2×1536×512 + o 2048×1536 = 7,864,320 (the stated value assumes a square o_proj) mantile MC060 [Ln 21, Col 28]',
    // The server's card, not VS Code's schema description alone: its derived lines, in order.
    'hover shows the server\'s derived numbers': inOrder(results.hover, [
      'attention · GroupedQueryAttentionLayer × 16',
      'q width h·dh = 32 × 64 = 2,048',
      'kv width kv·dh = 8 × 64 = 512',
      'GQA group h/kv = 32 / 8 = 4: 4 query heads share each key/value head',
      'head_dim 64 ≠ d/h = 1536 / 32 = 48: h·dh = 2,048 ≠ d = 1,536, so q and o are not square',
      'projections (out, in): q (2048, 1536) · k (512, 1536) · v (512, 1536) · o (1536, 2048)',
      'Parameters per layer = 7,864,320 (stated parameter_count is 7,077,888)',
      'q 1536×2048 + k,v 2×1536×512 + o 2048×1536',
      '× 16 layers = 125,829,120',
    ]),
    'quick-fix offered': results.quickFixes.some((q) => q.includes(FIX)),
    'fix saved': results.fixedOnDisk,
    'MC060 cleared': results.mc060Cleared,
    'gap report GR001 on its title': results.gapProblems.includes('gap report lacks §4.6 Documentation References: links to implementations and at least one paper mantile GR001 [Ln 1, Col 1]'),
    'gap report MT001 at its claim': results.gapProblems.includes('`2 * 1536 * 1536` is 4,718,592, not 4,718,593 mantile MT001 [Ln 34, Col 55]'),
    'check workspace summary': results.checkWorkspace === 'Mantile: 4 files checked: 3 errors, 4 warnings, 2 info, 0 hints',
    'Mantile view: models with totals and counts': results.view.some((r) => r.startsWith('acme_Wide-MoE-2b') && r.includes('1.49B params · 1 error, 4 warnings'))
      && results.view.some((r) => r.startsWith('acme_Tiny-Llama-100M') && r.includes('100M params · no errors or warnings'))
      && results.view.some((r) => /^Models 2$/.test(r)),
    'Mantile view: the gap registry with report and suite': results.view.some((r) => r === 'Gap Registry 1 gap, 3 tests')
      && results.view.some((r) => r === '1. Multi-Token Prediction Head MEDIUM · Incomplete, 3 tests')
      && results.view.some((r) => r === 'Report: multi_token_prediction.md Incomplete')
      && results.view.some((r) => r === 'Suite: multi_token_prediction_tests.md 3 tests (MTP-1, MTP-2, MTP-3)')
      && results.view.some((r) => r === 'mtp_head (acme_Wide-MoE-2B)'),
    'Mantile view: unaccounted gaps': results.view.some((r) => r === 'Unaccounted gaps: 1 1 identified − 0 reports − 0 documented')
      && results.view.some((r) => r === 'Multi-Token Prediction Head report lacks §4.6 Documentation References'),
    'Mantile view: clicking opens the file': results.viewOpened,
    'Mantile view: refreshed with the new config': !hubEndpoint || results.viewAfterNew.some((r) => /^Models 3$/.test(r)),
    'inspect: the tensors in a read-only document': !hubEndpoint || (/TinyLlama\/TinyLlama-1\.1B-Chat-v1\.0 at \w+ — 201 tensors in 1 shard/.test(results.inspect) && results.inspectReadOnly),
    'output is a log channel (levels)': (results.outputLines ?? []).some((l) => /\[info\] 4 files checked: 3 errors, 4 warnings, 2 info, 0 hints$/.test(l)),
    'new config error when offline': /acme\/Not-Cached-1B/.test(results.newConfig),
    'new config written and opened': !hubEndpoint || (results.newConfigWritten && results.newConfigOpened),
    'missing server error': !machineSettings || (results.missingServer !== '' && results.statusErrorIcon),
    'no exception': !results.error,
  };
  results.checks = checks;
  fs.writeFileSync(path.join(out, 'results.json'), JSON.stringify(results, null, 2) + '\n');
  for (const [name, pass] of Object.entries(checks)) if (!pass) log('FAILED: ' + name);
  const ok = Object.values(checks).every(Boolean);
  console.log(ok ? 'e2e: 1 passed, 0 failed' : 'e2e: 0 passed, 1 failed');
  process.exitCode = ok ? 0 : 1;
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
