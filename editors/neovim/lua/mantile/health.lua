-- :checkhealth mantile — the server binary and its version, the LSP configuration, the
-- workspace around the current folder, and where Hugging Face metadata comes from.
local M = {}

local function count(dir, pattern)
  local n = 0
  for name, type in vim.fs.dir(dir) do
    if (type == 'file' or type == 'link') and name:match(pattern) then n = n + 1 end
  end
  return n
end

function M.check()
  local h = vim.health
  local mantile = require('mantile')

  h.start('mantile: Neovim')
  if vim.fn.has('nvim-0.11') == 1 then
    local v = vim.version()
    h.ok(string.format('Neovim %d.%d.%d (vim.lsp.config / vim.lsp.enable)', v.major, v.minor, v.patch))
  else
    h.error('Neovim 0.11 or newer is needed (vim.lsp.config / vim.lsp.enable)')
  end

  h.start('mantile: server')
  local cmd = mantile.server()
  local exe = vim.fn.exepath(cmd)
  if exe == '' then
    h.error('`' .. cmd .. '` not found', {
      'Build it: cargo build --release -p mantile-lsp (then put target/release on PATH,',
      "or vim.lsp.config('mantile', { cmd = { '/path/to/mantile-lsp' } }))",
      'or install it: cargo install --path crates/mantile-lsp',
    })
  else
    h.ok('found: ' .. exe)
    local ok, r = pcall(function() return vim.system({ exe, '--version' }, { text = true }):wait(5000) end)
    local version = ok and r.code == 0 and vim.trim(r.stdout or '') or ''
    if version:match('^mantile%-lsp ') then
      h.ok('version: ' .. version)
    else
      h.error('`' .. exe .. ' --version` did not answer like mantile-lsp: ' .. (ok and vim.trim((r.stderr or '') .. (r.stdout or '')) or tostring(r)))
    end
  end
  local enabled = vim.lsp.is_enabled and vim.lsp.is_enabled('mantile')
  if enabled == false then
    h.warn("the mantile configuration is not enabled", { "vim.lsp.enable('mantile') in your init.lua" })
  elseif enabled then
    h.ok("vim.lsp.enable('mantile') is set")
  end
  local clients = vim.lsp.get_clients({ name = 'mantile' })
  for _, c in ipairs(clients) do
    local info = c.server_info or {}
    h.info(string.format('running: client %d, %s %s, root %s, encoding %s', c.id, info.name or '?',
      info.version or '', c.root_dir or '?', c.offset_encoding or '?'))
  end

  h.start('mantile: workspace')
  local cwd = vim.uv.cwd()
  local root = mantile.find_root(cwd)
  for _, c in ipairs(clients) do root = root or c.root_dir end
  if root then
    local configs = count(root .. '/backend/data/model_configs', '%.json$')
    local specs = count(root .. '/tests', '_tests%.md$')
    local gaps = count(root .. '/model_builder/gaps', '%.md$') - count(root .. '/model_builder/gaps', '^[Rr][Ee][Aa][Dd][Mm][Ee]%.md$')
    local function n(k, one, many) return string.format('%d %s', k, k == 1 and one or many) end
    h.ok(string.format('Mantile workspace: %s (%s, %s, %s)', root, n(configs, 'model config', 'model configs'),
      n(specs, 'test spec', 'test specs'), n(gaps, 'gap report', 'gap reports')))
    if vim.fn.isdirectory(root .. '/backend/layers') == 1 then
      h.ok('layer classes from backend/layers/*.py')
    else
      h.info('no backend/layers: the built-in layer catalog is used')
    end
  else
    h.warn('no Mantile workspace around ' .. cwd, {
      'A workspace is a folder holding backend/data/model_configs or tests/;',
      'open a config, test spec or gap report inside one (or :cd into it).',
    })
  end

  h.start('mantile: Hugging Face Hub')
  local hub = mantile.hub()
  local env_offline = (os.getenv('HF_HUB_OFFLINE') or ''):lower()
  local offline = hub.offline == true or env_offline == '1' or env_offline == 'true' or env_offline == 'yes' or env_offline == 'on'
  local endpoint = hub.endpoint or os.getenv('HF_ENDPOINT') or 'https://huggingface.co'
  local home = hub.home or os.getenv('HF_HOME') or vim.fs.joinpath(vim.uv.os_homedir() or '~', '.cache', 'huggingface')
  if not hub.enabled then
    h.info('Hub mode: disabled (hub.enabled = false): no Hugging Face cross-checks')
  elseif offline then
    h.ok('Hub mode: offline: cached metadata only, from ' .. vim.fs.joinpath(home, 'mantile-lsp'))
  else
    h.ok('Hub mode: live: ' .. endpoint .. ' (metadata cached for 7 days in ' .. vim.fs.joinpath(home, 'mantile-lsp') .. ')')
  end
  if os.getenv('HF_TOKEN') and os.getenv('HF_TOKEN') ~= '' then
    h.ok('token: HF_TOKEN is set (never shown)')
  elseif vim.uv.fs_stat(vim.fs.joinpath(home, 'token')) then
    h.ok('token: ' .. vim.fs.joinpath(home, 'token') .. ' (never shown)')
  else
    h.info('no Hugging Face token: gated models (e.g. meta-llama/*) cannot be cross-checked')
  end
end

return M
