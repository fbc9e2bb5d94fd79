-- Headless Neovim 0.11 against mantile-lsp, configured by editors/neovim/lsp/mantile.lua.
-- Usage: nvim --clean --headless --cmd 'set rtp+=REPO/editors/neovim' -l nvim_e2e.lua FILE OUT.json
-- Env: MANTILE_LSP (the server binary). Writes what it saw to OUT.json; exits 0 when every step worked.
local file, out = arg[1], arg[2]
local result = { steps = {} }
local function done(ok)
  local fh = assert(io.open(out, 'w'))
  fh:write(vim.json.encode(result), '\n')
  fh:close()
  vim.cmd(ok and 'qall!' or 'cquit 1')
end
local function step(name, ok, detail)
  result.steps[#result.steps + 1] = { name = name, ok = ok, detail = detail }
  if not ok then done(false) end
end

vim.lsp.config('mantile', { cmd = { os.getenv('MANTILE_LSP') or 'mantile-lsp' } })
vim.lsp.enable('mantile')
vim.cmd.edit(vim.fn.fnameescape(file))
local buf = vim.api.nvim_get_current_buf()

-- 1. Diagnostics (Neovim 0.11 pulls them when the server offers pull).
local function mc060()
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    if d.code == 'MC060' then return d end
  end
end
local ok = vim.wait(15000, function() return mc060() ~= nil end, 20)
local d = mc060()
step('diagnostics', ok and d ~= nil, d and { lnum = d.lnum, col = d.col, end_col = d.end_col, message = d.message })
step('position', d.lnum == 20 and d.col == 27 and d.end_col == 34, { lnum = d.lnum, col = d.col, end_col = d.end_col })
result.codes = vim.tbl_map(function(x) return x.code end, vim.diagnostic.get(buf))

-- 2. Hover on the head_dim spec.
local client = vim.lsp.get_clients({ bufnr = buf, name = 'mantile' })[1]
step('client', client ~= nil, client and client.name)
local hline
for i, l in ipairs(vim.api.nvim_buf_get_lines(buf, 0, -1, false)) do
  if l:find('"head_dim"', 1, true) and not hline then hline = i - 1 end
end
local hover = client:request_sync('textDocument/hover', {
  textDocument = { uri = vim.uri_from_bufnr(buf) }, position = { line = hline, character = 12 },
}, 5000, buf)
local htext = hover and hover.result and hover.result.contents and hover.result.contents.value or ''
result.hover = htext
step('hover', htext:find('q width h·dh = 32 × 64 = 2,048', 1, true) ~= nil, htext:sub(1, 200))

-- 3. The quick-fix for parameter_count, applied to the buffer.
local diag = vim.lsp.diagnostic.from(vim.diagnostic.get(buf)) -- back to LSP form
local lsp_diag
for _, x in ipairs(diag) do if x.code == 'MC060' then lsp_diag = x end end
local actions = client:request_sync('textDocument/codeAction', {
  textDocument = { uri = vim.uri_from_bufnr(buf) },
  range = lsp_diag.range,
  context = { diagnostics = { lsp_diag } },
}, 5000, buf)
local chosen
for _, a in ipairs(actions and actions.result or {}) do
  if a.title == 'Set parameter_count to 7,864,320' then chosen = a end
end
step('code action', chosen ~= nil, vim.tbl_map(function(a) return a.title end, actions and actions.result or {}))
vim.lsp.util.apply_workspace_edit(chosen.edit, client.offset_encoding)
local line = vim.api.nvim_buf_get_lines(buf, 20, 21, false)[1]
result.fixed_line = line
step('applied', line:find('"parameter_count": 7864320', 1, true) ~= nil, line)

-- 4. The fix clears the diagnostic.
local cleared = vim.wait(15000, function() return mc060() == nil end, 20)
step('cleared', cleared, result.codes)

client:stop()
vim.wait(2000, function() return client:is_stopped() end, 20)
done(true)
