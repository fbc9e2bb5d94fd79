// How the server's log levels and the Mantile LogOutputChannel's levels correspond. Pure.
//
//   server (mantile.logLevel)   LSP MessageType      channel method   channel LogLevel
//   error                       Error (1)            error            Error (5)
//   warning                     Warning (2)          warn             Warning (4)
//   info                        Info (3)             info             Info (3)
//   log                         Log (4), Debug (5)   debug            Debug (2) / Trace (1)
//
// A server message is written with the channel method of its level, so VS Code's own
// "Developer: Set Log Level…" filter and the server's setting speak the same language; when
// `mantile.logLevel` is not set, the server is told the level the channel shows.
import type { LogLevel } from './settings';

/** The methods of a VS Code LogOutputChannel that write a message at a level. */
export type ChannelMethod = 'error' | 'warn' | 'info' | 'debug';

/** vscode.LogLevel's values (Off 0, Trace 1, Debug 2, Info 3, Warning 4, Error 5). */
export const ChannelLevel = { Off: 0, Trace: 1, Debug: 2, Info: 3, Warning: 4, Error: 5 } as const;
export type ChannelLevel = (typeof ChannelLevel)[keyof typeof ChannelLevel];

const RANK: Record<LogLevel, number> = { error: 1, warning: 2, info: 3, log: 4 };

/** The channel method for an LSP `MessageType` (window/logMessage); unknown types are `log`. */
export function methodForMessageType(type: number): ChannelMethod {
  return methodForLevel(levelOfMessageType(type));
}

/** The server log level an LSP `MessageType` belongs to. */
export function levelOfMessageType(type: number): LogLevel {
  switch (type) {
    case 1:
      return 'error';
    case 2:
      return 'warning';
    case 3:
      return 'info';
    default:
      return 'log'; // Log (4), Debug (5, LSP 3.18)
  }
}

export function methodForLevel(level: LogLevel): ChannelMethod {
  return ({ error: 'error', warning: 'warn', info: 'info', log: 'debug' } as const)[level];
}

/** The channel LogLevel at which a message of `level` is shown. */
export function channelLevelFor(level: LogLevel): ChannelLevel {
  return ({ error: ChannelLevel.Error, warning: ChannelLevel.Warning, info: ChannelLevel.Info, log: ChannelLevel.Debug } as const)[level];
}

/** The server level that shows what the channel shows (Off: errors only; the server has no "off"). */
export function serverLevelForChannel(level: ChannelLevel): LogLevel {
  if (level === ChannelLevel.Trace || level === ChannelLevel.Debug) return 'log';
  if (level === ChannelLevel.Info) return 'info';
  if (level === ChannelLevel.Warning) return 'warning';
  return 'error';
}

/** Whether a message of `level` passes the threshold `setting` (the server's own rule). */
export function passes(level: LogLevel, setting: LogLevel): boolean {
  return RANK[level] <= RANK[setting];
}

/** Whether the channel hides messages the server was asked to send (`log` with the channel at Info). */
export function channelHides(setting: LogLevel, channel: ChannelLevel): boolean {
  return channel === ChannelLevel.Off || channelLevelFor(setting) < channel;
}

/**
 * vscode-languageclient writes its own messages to the output channel as
 * `[Error - 10:02:03] text`; this finds the level in that prefix so that they too are written at
 * their level. Lines without one are `info`.
 */
export function routeClientLine(line: string): { method: ChannelMethod; message: string } {
  const m = /^\[(Error|Warn|Info|Debug|Trace)\s*- [^\]]*\] ?/.exec(line);
  if (!m) return { method: 'info', message: line };
  const method = ({ Error: 'error', Warn: 'warn', Info: 'info', Debug: 'debug', Trace: 'debug' } as const)[m[1] as 'Error'];
  return { method, message: line.slice(m[0].length) };
}
