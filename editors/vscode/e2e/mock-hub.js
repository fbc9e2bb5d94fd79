// A stand-in Hugging Face Hub on 127.0.0.1 for the end-to-end test (no network in tests), serving
// the fixtures of crates/mantile-hub-mock the same way that crate does:
//   GET /api/models/{org}/{name}[/revision/{rev}]   model info (sha, siblings, safetensors counts)
//   GET /{org}/{name}/resolve/{rev}/config.json     with X-Repo-Commit, ETag and Range support
// Usage: node mock-hub.js FIXTURES_DIR PORT_FILE   (writes the port it listens on to PORT_FILE)
const http = require('http');
const fs = require('fs');
const path = require('path');

const [fixtures, portFile] = process.argv.slice(2);
const models = new Map();
for (const f of fs.readdirSync(fixtures).filter((n) => n.endsWith('.json'))) {
  const m = JSON.parse(fs.readFileSync(path.join(fixtures, f), 'utf8'));
  models.set(m.repo, m);
}

const send = (res, status, headers, body) => {
  res.writeHead(status, { 'Content-Length': Buffer.byteLength(body), ...headers });
  res.end(body);
};
const notFound = (res, code) => send(res, 404, { 'X-Error-Code': code, 'Content-Type': 'application/json' }, JSON.stringify({ error: code }));

http
  .createServer((req, res) => {
    const url = (req.url || '').split('?')[0];
    let repo;
    let file;
    if (url.startsWith('/api/models/')) {
      repo = url.slice('/api/models/'.length).split('/').slice(0, 2).join('/');
    } else {
      const segs = url.replace(/^\/+/, '').split('/');
      if (segs.length < 5 || segs[2] !== 'resolve') return notFound(res, 'EntryNotFound');
      repo = `${segs[0]}/${segs[1]}`;
      file = segs.slice(4).join('/');
    }
    const m = models.get(decodeURIComponent(repo));
    if (!m) return notFound(res, 'RepoNotFound');
    if (!file) {
      const info = {
        id: m.repo,
        modelId: m.repo,
        sha: m.sha,
        config: { architectures: m.config.architectures ?? null, model_type: m.config.model_type ?? null },
        siblings: [{ rfilename: 'config.json' }],
      };
      if (m.parameters) {
        const total = Object.values(m.parameters).reduce((a, b) => a + b, 0);
        info.safetensors = { parameters: m.parameters, total };
      }
      return send(res, 200, { 'Content-Type': 'application/json' }, JSON.stringify(info));
    }
    if (file !== 'config.json') return notFound(res, 'EntryNotFound');
    const bytes = Buffer.from(JSON.stringify(m.config, null, 2));
    const headers = { 'X-Repo-Commit': m.sha, ETag: `"${m.sha.slice(0, 16)}"`, 'Accept-Ranges': 'bytes' };
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range || '');
    if (range) {
      const a = Number(range[1]);
      const b = Math.min(range[2] ? Number(range[2]) : bytes.length - 1, bytes.length - 1);
      if (a > b) return send(res, 416, headers, '');
      return send(res, 206, { ...headers, 'Content-Range': `bytes ${a}-${b}/${bytes.length}` }, bytes.subarray(a, b + 1));
    }
    return send(res, 200, headers, bytes);
  })
  .listen(0, '127.0.0.1', function () {
    fs.writeFileSync(portFile, String(this.address().port));
  });
