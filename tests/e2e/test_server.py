"""pytest-lsp: a real LSP client library against the mantile-lsp binary."""
import asyncio

import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from conftest import CONFIG, SERVER, scratch_workspace

WS = scratch_workspace()


def _track_versions(client: LanguageClient):
    """Records the version of each publishDiagnostics (pytest-lsp keeps only
    the diagnostics): a test can then wait for those of the text it opened,
    not the start-up scan's (published without a version)."""
    method = types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS
    features = client.protocol.fm.features
    original = features[method]
    client.diagnostic_versions = {}

    def handler(params: types.PublishDiagnosticsParams):
        client.diagnostic_versions[params.uri] = params.version
        return original(params)

    features[method] = handler


async def _start(client: LanguageClient, caps: types.ClientCapabilities):
    _track_versions(client)
    await client.initialize_session(types.InitializeParams(
        capabilities=caps, root_uri=WS.as_uri(),
        workspace_folders=[types.WorkspaceFolder(uri=WS.as_uri(), name="ws")]))


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[SERVER]))
async def client(lsp_client: LanguageClient):
    """A client without pull diagnostics: the server must push them."""
    await _start(lsp_client, types.ClientCapabilities())
    yield
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[SERVER]))
async def nvim_client(lsp_client: LanguageClient):
    """Neovim 0.11's real capability set (pull diagnostics, UTF-16)."""
    await _start(lsp_client, client_capabilities("neovim@v0.11.0"))
    yield
    await lsp_client.shutdown_session()


def _open(client: LanguageClient, rel: str, text: str | None = None) -> tuple[str, str]:
    path = WS / rel
    text = path.read_text() if text is None else text
    lang = "json" if rel.endswith(".json") else "markdown"
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=path.as_uri(), language_id=lang, version=1, text=text)))
    return path.as_uri(), text


async def _diagnostics(client: LanguageClient, uri: str, want=lambda ds: bool(ds), timeout=10.0,
                       version: int | None = None):
    """The diagnostics of `uri` once `want` accepts them (and, with `version`,
    once they are those published for that version of the document)."""
    def ready():
        if version is not None and client.diagnostic_versions.get(uri) != version:
            return False
        return want(client.diagnostics.get(uri, []))

    async def poll():
        while not ready():
            await asyncio.sleep(0.02)
        return client.diagnostics[uri]
    return await asyncio.wait_for(poll(), timeout)


def _by_code(diags, code):
    return [d for d in diags if d.code == code]


async def test_defective_config_diagnostics_at_the_right_positions(client: LanguageClient):
    uri, _ = _open(client, CONFIG)
    diags = await _diagnostics(client, uri)
    [count] = _by_code(diags, "MC060")
    assert count.range == types.Range(start=types.Position(line=20, character=27),
                                      end=types.Position(line=20, character=34))
    assert count.severity == types.DiagnosticSeverity.Error
    assert "= 7,864,320" in count.message
    [model_id] = _by_code(diags, "MC010")
    assert model_id.range.start == types.Position(line=1, character=14)
    codes = sorted(d.code for d in diags)
    assert codes == ["MC010", "MC011", "MC021", "MC032", "MC055", "MC060", "MC061", "MC062"], codes


async def test_hover_shows_derived_dimensions(client: LanguageClient):
    uri, text = _open(client, CONFIG)
    line = next(i for i, l in enumerate(text.splitlines()) if '"head_dim"' in l)
    hover = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        position=types.Position(line=line, character=12)))
    assert hover is not None
    value = hover.contents.value if hasattr(hover.contents, "value") else str(hover.contents)
    assert "q width h·dh = 32 × 64 = 2,048" in value, value
    assert "kv width kv·dh = 8 × 64 = 512" in value, value


async def test_quick_fix_corrects_the_parameter_count(client: LanguageClient):
    uri, text = _open(client, CONFIG)
    # The fixes of the text opened (version 1), not the start-up scan's.
    diags = await _diagnostics(client, uri, version=1)
    [count] = _by_code(diags, "MC060")
    actions = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=uri), range=count.range,
        context=types.CodeActionContext(diagnostics=[count])))
    titles = [a.title for a in actions]
    assert "Set parameter_count to 7,864,320" in titles, titles
    action = next(a for a in actions if a.title == "Set parameter_count to 7,864,320")
    assert action.kind == types.CodeActionKind.QuickFix
    [edit] = action.edit.changes[uri]
    lines = text.splitlines(keepends=True)
    start, end = edit.range.start, edit.range.end
    assert start.line == end.line == 20
    lines[20] = lines[20][:start.character] + edit.new_text + lines[20][end.character:]
    fixed = "".join(lines)
    assert '"parameter_count": 7864320' in fixed
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text=fixed)]))
    after = await _diagnostics(client, uri, want=lambda ds: ds and not _by_code(ds, "MC060"), version=2)
    assert not _by_code(after, "MC060")


async def test_pull_diagnostics_with_neovim_capabilities(nvim_client: LanguageClient):
    uri, text = _open(nvim_client, CONFIG)
    report = await nvim_client.text_document_diagnostic_async(types.DocumentDiagnosticParams(
        text_document=types.TextDocumentIdentifier(uri=uri)))
    assert report.kind == "full"
    by = {d.code: d for d in report.items}
    # Exact ranges (UTF-16, Neovim's encoding; the config is ASCII, so these are also bytes).
    assert by["MC060"].range == types.Range(start=types.Position(line=20, character=27),
                                            end=types.Position(line=20, character=34))
    assert by["MC010"].range == types.Range(start=types.Position(line=1, character=14),
                                            end=types.Position(line=1, character=32))
    assert by["MC032"].range == types.Range(start=types.Position(line=42, character=8),
                                            end=types.Position(line=42, character=19))
    lines = text.splitlines()
    assert lines[20][27:34] == "7077888"
    assert lines[42][8:19] == '"has_biass"'
    assert sorted(by) == ["MC010", "MC011", "MC021", "MC032", "MC055", "MC060", "MC061", "MC062"]


async def test_spec_claims_are_recomputed(client: LanguageClient):
    rel = "tests/multi_token_prediction_tests.md"
    text = (WS / rel).read_text().replace("= `2 * 128 * 3072 * 1536 = 1,207,959,552`",
                                          "= `2 * 128 * 3072 * 1536 = 1,207,959,553`", 1)
    uri, _ = _open(client, rel, text)
    diags = await _diagnostics(client, uri, want=lambda ds: bool(_by_code(ds, "MT001")))
    [claim] = _by_code(diags, "MT001")
    assert claim.message == "`2 * 128 * 3072 * 1536` is 1,207,959,552, not 1,207,959,553"
    line = text.splitlines()[claim.range.start.line]
    assert line[claim.range.start.character:claim.range.end.character] == "1,207,959,553"


# A spec whose wrong claim follows an emoji (two UTF-16 code units, four UTF-8 bytes) and `×`
# (one UTF-16 code unit, two UTF-8 bytes) on the same line.
UNICODE_SPEC = "# Unicode tests\n\n## Test U-1: emoji\n\n- 🚀 × width: `2 * 3 = 7`\n"
UNICODE_LINE = UNICODE_SPEC.splitlines()[4]


def _caps(encodings):
    return types.ClientCapabilities(general=types.GeneralClientCapabilities(position_encodings=encodings))


async def _unicode_claim(client: LanguageClient, encodings):
    result = await client.initialize_session(types.InitializeParams(
        capabilities=_caps(encodings), root_uri=WS.as_uri(),
        workspace_folders=[types.WorkspaceFolder(uri=WS.as_uri(), name="ws")]))
    uri, _ = _open(client, "tests/unicode_tests.md", UNICODE_SPEC)
    diags = await _diagnostics(client, uri, want=lambda ds: bool(_by_code(ds, "MT001")))
    [claim] = _by_code(diags, "MT001")
    assert claim.message == "`2 * 3` is 6, not 7"
    pulled = await client.text_document_diagnostic_async(types.DocumentDiagnosticParams(
        text_document=types.TextDocumentIdentifier(uri=uri)))
    [pulled_claim] = [d for d in pulled.items if d.code == "MT001"]
    assert pulled_claim.range == claim.range, "pushed and pulled agree"
    actions = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=uri), range=claim.range,
        context=types.CodeActionContext(diagnostics=[claim])))
    [edit] = next(a for a in actions if a.title == "Replace with 6").edit.changes[uri]
    return result.capabilities.position_encoding, claim.range, edit


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[SERVER]))
async def bare_client(lsp_client: LanguageClient):
    """Not yet initialized: the test chooses the capabilities."""
    yield
    await lsp_client.shutdown_session()


async def test_utf16_columns_after_emoji_and_times(bare_client: LanguageClient):
    encoding, rng, edit = await _unicode_claim(bare_client, [types.PositionEncodingKind.Utf16])
    assert encoding == types.PositionEncodingKind.Utf16
    # Python's str indexes code points; UTF-16 counts the emoji twice.
    start = len(UNICODE_LINE[:UNICODE_LINE.index("7`")].encode("utf-16-le")) // 2
    assert start == 23 and UNICODE_LINE.index("7`") == 22
    assert rng == types.Range(start=types.Position(line=4, character=23), end=types.Position(line=4, character=24))
    assert edit.range == rng and edit.new_text == "6"


async def test_utf8_columns_after_emoji_and_times(bare_client: LanguageClient):
    encoding, rng, edit = await _unicode_claim(bare_client, [types.PositionEncodingKind.Utf8, types.PositionEncodingKind.Utf16])
    assert encoding == types.PositionEncodingKind.Utf8
    start = len(UNICODE_LINE[:UNICODE_LINE.index("7`")].encode("utf-8"))
    assert start == 26
    assert rng == types.Range(start=types.Position(line=4, character=26), end=types.Position(line=4, character=27))
    assert edit.range == rng and edit.new_text == "6"
