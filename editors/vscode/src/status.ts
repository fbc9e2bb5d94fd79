// The status bar item's text and tooltip for the server's state and the Hub mode. Pure.

export type ServerState = 'starting' | 'ready' | 'error' | 'stopped';

export interface StatusView {
  text: string;
  tooltip: string;
  isError: boolean;
}

/** Where Hugging Face metadata comes from: the server's last report
 * (`mantile/hubStatus`), else what the settings imply (`live` or `cached`). */
export type HubMode = 'live' | 'cached' | 'offline' | 'unreachable' | 'error';

export function statusView(
  state: ServerState,
  hub: HubMode,
  detail?: string,
): StatusView {
  const icon = { starting: '$(sync~spin)', ready: '$(check)', error: '$(error)', stopped: '$(circle-slash)' }[state];
  const hubText = {
    live: 'Hub live',
    cached: 'Hub cached',
    offline: 'Hub offline',
    unreachable: 'Hub unreachable',
    error: 'Hub error',
  }[hub];
  const hubTip = {
    live: 'Hugging Face metadata: live (asked from the Hub, cached for 7 days)',
    cached: 'Hugging Face metadata: from the cache (offline, or the Hub could not be asked)',
    offline: 'Hugging Face metadata: offline, and nothing cached for this model',
    unreachable: 'Hugging Face metadata: the Hub could not be reached; cross-checks skipped',
    error: 'Hugging Face metadata: the Hub refused or did not know the model (see the finding on hf_model_id)',
  }[hub];
  const stateTip = {
    starting: 'mantile-lsp is starting…',
    ready: 'mantile-lsp is running',
    error: 'mantile-lsp is not running',
    stopped: 'mantile-lsp is stopped',
  }[state];
  const lines = [stateTip + (detail ? `: ${detail}` : ''), hubTip, 'Click to show the Mantile output'];
  return { text: `${icon} Mantile · ${hubText}`, tooltip: lines.join('\n'), isError: state === 'error' };
}
