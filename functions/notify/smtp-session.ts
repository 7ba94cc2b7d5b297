/**
 * One SMTP conversation (RFC 5321) on node:net and node:tls: greeting, EHLO, STARTTLS where the
 * settings ask for it, AUTH PLAIN or LOGIN as the server offers, then one message (MAIL FROM,
 * RCPT TO, DATA with its lines dot-stuffed) and QUIT. The message is already MIME (mime.ts: 7-bit,
 * CRLF lines), so nothing is encoded here. Failures carry what the mailer classifies: `code`
 * (ECONNECTION, ETIMEDOUT, ETLS, EAUTH, EPROTOCOL) and, for a refused command, `responseCode`.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions, type TLSSocket } from 'node:tls';

export interface SmtpTarget {
  host: string;
  port: number;
  security: 'tls' | 'starttls' | 'none';
  user?: string;
  password?: string;
  /** Extra trust for a server whose certificate a private CA signed. */
  tls?: Pick<ConnectionOptions, 'ca' | 'servername'>;
  /** The name this side gives in EHLO. */
  clientName?: string;
  connectionTimeoutMs?: number;
  socketTimeoutMs?: number;
}

export class SmtpError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly responseCode?: number,
    readonly response?: string,
  ) {
    super(message);
  }
}

interface Reply {
  code: number;
  lines: string[];
}

/** Reads the server's replies, one multi-line reply at a time, from a socket that may be swapped for TLS. */
class Conversation {
  private buffer = '';
  private replies: Reply[] = [];
  private pending: Reply['lines'] = [];
  private waiting?: { resolve: (r: Reply) => void; reject: (e: Error) => void };
  private failure?: Error;

  constructor(
    private socket: Socket | TLSSocket,
    private readonly timeoutMs: number,
  ) {
    this.listen(socket);
  }

  private listen(socket: Socket | TLSSocket) {
    socket.setEncoding('utf8');
    socket.setTimeout(this.timeoutMs, () => this.fail(new SmtpError('SMTP server did not answer in time', 'ETIMEDOUT')));
    socket.on('data', (chunk: string) => this.take(chunk));
    socket.on('error', (error: NodeJS.ErrnoException) => this.fail(new SmtpError(error.message, error.code === 'ECONNREFUSED' || error.code === 'ENOTFOUND' ? 'ECONNECTION' : 'ESOCKET')));
    socket.on('close', () => this.fail(new SmtpError('SMTP server closed the connection', 'ECONNECTION')));
  }

  private take(chunk: string) {
    this.buffer += chunk;
    let at: number;
    while ((at = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, at).replace(/\r$/, '');
      this.buffer = this.buffer.slice(at + 1);
      const match = /^(\d{3})([ -])(.*)$/.exec(line);
      if (!match) return this.fail(new SmtpError(`SMTP server sent an unreadable line: ${line.slice(0, 80)}`, 'EPROTOCOL'));
      this.pending.push(match[3]!);
      if (match[2] === ' ') {
        this.replies.push({ code: Number(match[1]), lines: this.pending });
        this.pending = [];
      }
    }
    this.deliver();
  }

  private deliver() {
    if (!this.waiting) return;
    const reply = this.replies.shift();
    if (reply) {
      const { resolve } = this.waiting;
      this.waiting = undefined;
      resolve(reply);
    } else if (this.failure) {
      const { reject } = this.waiting;
      this.waiting = undefined;
      reject(this.failure);
    }
  }

  private fail(error: Error) {
    this.failure ??= error;
    this.deliver();
  }

  reply(): Promise<Reply> {
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.deliver();
    });
  }

  /** Sends `line` and waits for a reply in `expected` (e.g. 2 for any 2xx); any other reply fails. */
  async command(line: string, expected: number, shown = line): Promise<Reply> {
    if (this.failure) throw this.failure;
    this.socket.write(`${line}\r\n`);
    return this.expect(expected, shown);
  }

  async expect(expected: number, shown: string): Promise<Reply> {
    const reply = await this.reply();
    if (Math.floor(reply.code / 100) !== expected && reply.code !== expected) {
      const text = reply.lines.join(' ');
      throw new SmtpError(`${shown.split(' ')[0]} refused: ${reply.code} ${text}`, 'EPROTOCOL', reply.code, text);
    }
    return reply;
  }

  write(data: string) {
    this.socket.write(data);
  }

  /** Moves the conversation onto TLS over the same connection (after STARTTLS). */
  async upgrade(options: ConnectionOptions): Promise<void> {
    const plain = this.socket;
    plain.removeAllListeners('data');
    plain.removeAllListeners('close');
    plain.removeAllListeners('error');
    plain.setTimeout(0);
    const secure = await secureSocket({ ...options, socket: plain }, this.timeoutMs);
    this.socket = secure;
    this.listen(secure);
  }

  end() {
    this.socket.end();
  }

  destroy() {
    this.socket.destroy();
  }
}

function secureSocket(options: ConnectionOptions, timeoutMs: number): Promise<TLSSocket> {
  return connected(tlsConnect(options), 'secureConnect', timeoutMs, {
    timedOut: 'TLS handshake with the SMTP server timed out',
    failed: (error) => new SmtpError(`TLS with the SMTP server failed: ${error.message}`, 'ETLS'),
  });
}

function plainSocket(host: string, port: number, timeoutMs: number): Promise<Socket> {
  return connected(netConnect({ host, port }), 'connect', timeoutMs, {
    timedOut: 'SMTP server did not accept the connection in time',
    failed: (error) => new SmtpError(`SMTP server unreachable: ${error.message}`, 'ECONNECTION'),
  });
}

/** Resolves with `socket` once it emits `ready`; destroys it and rejects when `timeoutMs` passes first. */
function connected<S extends Socket>(socket: S, ready: 'connect' | 'secureConnect', timeoutMs: number, say: { timedOut: string; failed: (error: Error) => SmtpError }): Promise<S> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new SmtpError(say.timedOut, 'ETIMEDOUT'));
    }, timeoutMs);
    socket.once(ready, () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once('error', (error: Error) => {
      clearTimeout(timer);
      reject(say.failed(error));
    });
  });
}

const capabilities = (reply: Reply) => reply.lines.slice(1).map((l) => l.toUpperCase());

/** A line that starts with a dot gets another (RFC 5321 4.5.2); the message ends with CRLF.CRLF. */
export function dotStuffed(message: string): string {
  const crlf = message.replace(/\r?\n/g, '\r\n');
  const body = crlf.replace(/(^|\r\n)\./g, '$1..');
  return `${body}${body.endsWith('\r\n') ? '' : '\r\n'}.\r\n`;
}

/** Sends one message in one conversation; resolves when the server has accepted it. */
export async function sendOverSmtp(target: SmtpTarget, envelope: { from: string; to: string }, message: string): Promise<void> {
  const connectMs = target.connectionTimeoutMs ?? 15_000;
  const socketMs = target.socketTimeoutMs ?? 30_000;
  const tlsOptions: ConnectionOptions = { host: target.host, servername: /^[\d.:]+$/.test(target.host) ? undefined : target.host, ...target.tls };
  const socket = target.security === 'tls' ? await secureSocket({ ...tlsOptions, port: target.port }, connectMs) : await plainSocket(target.host, target.port, connectMs);
  const talk = new Conversation(socket, socketMs);
  const name = target.clientName ?? 'localhost';
  try {
    await talk.expect(2, 'greeting');
    let hello = await talk.command(`EHLO ${name}`, 2);
    let offered = capabilities(hello);
    if (target.security === 'starttls') {
      if (!offered.some((c) => c === 'STARTTLS')) throw new SmtpError('SMTP server does not offer STARTTLS', 'ETLS');
      await talk.command('STARTTLS', 2);
      await talk.upgrade(tlsOptions);
      hello = await talk.command(`EHLO ${name}`, 2);
      offered = capabilities(hello);
    }
    if (target.user) await login(talk, offered, target.user, target.password ?? '');
    await talk.command(`MAIL FROM:<${envelope.from}>`, 2);
    await talk.command(`RCPT TO:<${envelope.to}>`, 2);
    await talk.command('DATA', 354);
    talk.write(dotStuffed(message));
    await talk.expect(2, 'DATA');
    await talk.command('QUIT', 2).catch(() => undefined);
    talk.end();
  } catch (error) {
    talk.destroy();
    throw error;
  }
}

async function login(talk: Conversation, offered: string[], user: string, password: string) {
  const auth = offered.find((c) => c.startsWith('AUTH'))?.split(/[ =]/).slice(1) ?? [];
  try {
    if (auth.includes('PLAIN') || !auth.includes('LOGIN')) {
      await talk.command(`AUTH PLAIN ${Buffer.from(`\0${user}\0${password}`).toString('base64')}`, 2, 'AUTH PLAIN');
    } else {
      await talk.command('AUTH LOGIN', 334);
      await talk.command(Buffer.from(user).toString('base64'), 334, 'AUTH LOGIN user');
      await talk.command(Buffer.from(password).toString('base64'), 2, 'AUTH LOGIN password');
    }
  } catch (error) {
    if (error instanceof SmtpError && error.responseCode) throw new SmtpError('SMTP server refused the login', 'EAUTH', error.responseCode, error.response);
    throw error;
  }
}
