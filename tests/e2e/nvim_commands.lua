-- Headless Neovim 0.11 with editors/neovim on the runtimepath (lsp/mantile.lua, lua/mantile,
-- plugin/mantile.lua): a gap report's diagnostics, :checkhealth mantile, :MantileCheck and
-- :MantileNew.
-- Usage: nvim --clean --headless --cmd 'set rtp+=REPO/editors/neovim' -l nvim_commands.lua WORKSPACE GAP_REPORT OUT.json
-- Env: MANTILE_LSP (the server binary; also put on PATH by the caller for the commands),
--      MANTILE_NEW_ID (a model the mock Hub at HF_ENDPOINT knows). Writes OUT.json; exits 0 when every step worked.
local ws, gap, out = arg[1], arg[2], arg[3]
local result = { steps = {}, notes = {} }
local function done(ok)
  local fh = assert(io.open(out, 'w'))
  fh:write(vim.json.encode(result), '\n')
  fh:close()
  for _, c in ipairs(vim.lsp.get_clients()) do c:stop(true) end
  vim.cmd(ok and 'qall!' or 'cquit 1')
end
local function step(name, ok, detail)
  result.steps[#result.steps + 1] = { name = name, ok = ok and true or false, detail = detail }
  if not ok then done(false) end
end
-- Notifications (the commands' summaries and errors) are recorded.
vim.notify = function(msg, level) result.notes[#result.notes + 1] = { msg = msg, level = level } end
local function last_note(pattern)
  for i = #result.notes, 1, -1 do
    if result.notes[i].msg:find(pattern) then return result.notes[i] end
  end
end

vim.cmd.cd(vim.fn.fnameescape(ws))
vim.lsp.config('mantile', { cmd = { os.getenv('MANTILE_LSP') or 'mantile-lsp' } })
vim.lsp.enable('mantile')

-- 1. A gap report attaches and shows its findings: GR001 on the title, MT001 on a calculation.
vim.cmd.edit(vim.fn.fnameescape(gap))
local buf = vim.api.nvim_get_current_buf()
local function by_code(code)
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    if d.code == code then return d end
  end
end
local got = vim.wait(15000, function() return by_code('GR001') ~= nil and by_code('MT001') ~= nil end, 20)
local gr, mt = by_code('GR001'), by_code('MT001')
result.gap = vim.tbl_map(function(d)
  return { code = d.code, lnum = d.lnum, col = d.col, end_lnum = d.end_lnum, end_col = d.end_col, severity = d.severity, message = d.message }
end, vim.diagnostic.get(buf))
step('gap report diagnostics', got, result.gap)
local client = vim.lsp.get_clients({ bufnr = buf, name = 'mantile' })[1]
step('attached at the workspace root', client ~= nil and client.root_dir == ws, client and client.root_dir)
-- Columns here are bytes (Neovim's diagnostics); the line is ASCII up to the claim.
step('positions', gr.lnum == 0 and gr.col == 0 and gr.end_col == 41 and mt.lnum == 33 and mt.col == 54 and mt.end_col == 63,
  { gr = { gr.lnum, gr.col, gr.end_col }, mt = { mt.lnum, mt.col, mt.end_col } })

-- A Markdown file of the workspace that is no Mantile file is left alone.
vim.cmd.edit(vim.fn.fnameescape(ws .. '/model_builder/notes.md'))
vim.wait(300)
step('other Markdown not attached', #vim.lsp.get_clients({ bufnr = 0, name = 'mantile' }) == 0)
vim.cmd.buffer(buf)

-- 2. :checkhealth mantile
vim.cmd('checkhealth mantile')
local health = table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), '\n')
result.health = health
local function has(s) return health:find(s, 1, true) ~= nil end
step('checkhealth', has('OK found: ') and has('OK version: mantile-lsp ') and has('OK Mantile workspace: ' .. ws)
  and has('Hub mode: live: ' .. (os.getenv('HF_ENDPOINT') or '')) and not has('ERROR'), health)
vim.cmd('tabclose')

-- 3. :MantileCheck: the findings in the quickfix list, and a summary.
vim.fn.setqflist({}, 'r')
vim.cmd('MantileCheck')
local filled = vim.wait(30000, function() return last_note('files checked') ~= nil end, 50)
local qf = vim.fn.getqflist()
result.quickfix = vim.tbl_map(function(i)
  return { file = vim.api.nvim_buf_get_name(i.bufnr), lnum = i.lnum, col = i.col, type = i.type, text = i.text }
end, qf)
result.check_summary = filled and last_note('files checked').msg or nil
step('MantileCheck summary', filled, result.notes)
local mc060
for _, i in ipairs(result.quickfix) do
  if i.text:find('^%[MC060%]') then mc060 = i end
end
step('MantileCheck quickfix', mc060 ~= nil and mc060.lnum == 21 and mc060.col == 28 and mc060.type == 'E'
  and mc060.file == ws .. '/backend/data/model_configs/acme_Wide-MoE-2B.json', mc060)

-- 4. :MantileNew with a bad id: a clear error, nothing written.
vim.cmd('MantileNew not-an-id')
step('MantileNew refuses a bad id', last_note('org/name') ~= nil, result.notes)

-- 5. :MantileNew ORG/NAME against the mock Hub: the config written and opened.
local id = os.getenv('MANTILE_NEW_ID')
local file = ws .. '/backend/data/model_configs/' .. id:gsub('/', '_') .. '.json'
vim.cmd('MantileNew ' .. id)
local opened = vim.wait(30000, function() return vim.api.nvim_buf_get_name(0) == file end, 50)
result.new_file = vim.api.nvim_buf_get_name(0)
step('MantileNew opens the config', opened, result.notes)
local written = vim.fn.json_decode(table.concat(vim.fn.readfile(file), '\n'))
step('MantileNew wrote it', written.hf_model_id == id, written.hf_model_id)
-- Again without !: refused, the file is there.
vim.cmd('MantileNew ' .. id)
step('MantileNew keeps an existing file', last_note('already exists') ~= nil, result.notes)

done(true)
