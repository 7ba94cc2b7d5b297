/**
 * The console's sign-in on the single table: a one-time link's nonce (`SIGNIN#<hash>`), a session
 * (`SESSION#<hash>`), and a counter per address and window (`SIGNINRATE#<email>` / `<window>`).
 * Only hashes of nonces and session ids are kept. Each read is a GetItem; "used once" and "revoked
 * once" are conditional writes, so two tabs opening the same link get one session between them.
 */
import type { ConsoleSession, SignInStore } from '../core/ports.ts';
import type { TableClient } from './table-client.ts';

const A = 'A';

export class DynamoSignIns implements SignInStore {
  constructor(private readonly table: TableClient) {}

  async countRequest(email: string, window: string): Promise<number> {
    const pk = `SIGNINRATE#${email.toLowerCase()}`;
    for (;;) {
      const existing = await this.table.get(pk, window);
      const count = (existing?.count as number | undefined) ?? 0;
      const written = existing
        ? await this.table.putIf({ pk, sk: window, count: count + 1 }, '#count = :count', { ':count': count }, { '#count': 'count' })
        : await this.table.putNew({ pk, sk: window, count: 1 });
      if (written) return count + 1;
    }
  }

  async saveNonce(hash: string, email: string, expiresAt: string): Promise<void> {
    await this.table.put({ pk: `SIGNIN#${hash}`, sk: A, email, expiresAt });
  }

  async useNonce(hash: string, at: string): Promise<boolean> {
    const updated = await this.table.update(
      `SIGNIN#${hash}`,
      A,
      { set: { usedAt: at } },
      { expression: 'attribute_exists(pk) AND attribute_not_exists(usedAt)', values: {} },
    );
    return updated !== undefined;
  }

  async saveSession(session: ConsoleSession): Promise<void> {
    await this.table.put({ pk: `SESSION#${session.hash}`, sk: A, ...session });
  }

  async session(hash: string): Promise<ConsoleSession | undefined> {
    const item = await this.table.get(`SESSION#${hash}`, A);
    if (!item) return undefined;
    const { pk, sk, ...session } = item;
    return session as unknown as ConsoleSession;
  }

  async revokeSession(hash: string, at: string): Promise<boolean> {
    const updated = await this.table.update(
      `SESSION#${hash}`,
      A,
      { set: { revokedAt: at } },
      { expression: 'attribute_exists(pk) AND attribute_not_exists(revokedAt)', values: {} },
    );
    return updated !== undefined;
  }
}
