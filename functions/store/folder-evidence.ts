/**
 * Evidence files in the sandbox's data folder, with the same upload flow as S3's browser POST:
 * the upload form carries a policy (the key, the prefix, the size range, the Content-Type, the
 * expiry) signed with the app's key, and `receive` (behind `POST /evidence/upload`) enforces every
 * condition as S3 would before writing a byte. Kept files are served by the app itself.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, resolve, sep } from 'node:path';
import { randomUUID } from 'node:crypto';
import { ValidationError } from '../core/errors.ts';
import type { EvidenceFiles, UploadForm } from '../core/evidence-files.ts';
import { ForbiddenError } from '../core/task-access.ts';

type Condition = Record<string, string> | ['starts-with', string, string] | ['content-length-range', number, number];
interface Policy {
  expiration: string;
  conditions: Condition[];
}

export const LOCAL_UPLOAD_PATH = '/evidence/upload';

export class FolderEvidenceFiles implements EvidenceFiles {
  readonly root: string;

  constructor(
    root: string,
    private readonly secret: () => Promise<string>,
    /** Where the browser posts: the app's URL ('' for the page's own origin). */
    private readonly appUrl = '',
  ) {
    this.root = resolve(root);
  }

  private path(key: string): string {
    const path = resolve(this.root, key);
    if (!path.startsWith(this.root + sep)) throw new ValidationError('上传路径无效', 'key');
    return path;
  }

  private async sign(policy: string): Promise<string> {
    return createHmac('sha256', `evidence-upload\n${await this.secret()}`).update(policy).digest('base64url');
  }

  async uploadForm(input: { key: string; prefix: string; contentType: string; maxBytes: number; minutes: number; now: Date }): Promise<UploadForm> {
    const policy: Policy = {
      expiration: new Date(input.now.getTime() + input.minutes * 60_000).toISOString(),
      conditions: [{ key: input.key }, ['starts-with', '$key', input.prefix], ['content-length-range', 1, input.maxBytes], { 'Content-Type': input.contentType }],
    };
    const encoded = Buffer.from(JSON.stringify(policy)).toString('base64');
    return {
      url: `${this.appUrl.replace(/\/$/, '')}${LOCAL_UPLOAD_PATH}`,
      fields: { key: input.key, 'Content-Type': input.contentType, policy: encoded, 'x-duban-signature': await this.sign(encoded) },
    };
  }

  /** A browser POST: refused (nothing written) unless the signed policy admits this key, size and type now. */
  async receive(fields: Record<string, string>, body: Uint8Array, now: Date): Promise<string> {
    const encoded = fields.policy ?? '';
    const expected = Buffer.from(await this.sign(encoded));
    const given = Buffer.from(fields['x-duban-signature'] ?? '');
    if (!encoded || expected.length !== given.length || !timingSafeEqual(expected, given)) throw new ForbiddenError('上传凭证无效或已被修改：请重新选择文件上传');
    const policy = JSON.parse(Buffer.from(encoded, 'base64').toString('utf8')) as Policy;
    if (now.getTime() > new Date(policy.expiration).getTime()) throw new ForbiddenError('上传凭证已过期：请重新选择文件上传');
    for (const condition of policy.conditions) {
      if (Array.isArray(condition)) {
        if (condition[0] === 'starts-with') {
          const value = fields[condition[1].replace(/^\$/, '')] ?? '';
          if (!value.startsWith(condition[2])) throw new ForbiddenError('上传凭证不允许上传到该位置（只能用于签发它的单位、任务和报送）');
        } else if (body.length < condition[1] || body.length > condition[2]) {
          throw new ForbiddenError(`文件大小（${body.length} 字节）超出上传凭证允许的范围（不超过 ${condition[2]} 字节）`);
        }
      } else {
        for (const [name, value] of Object.entries(condition)) {
          if (fields[name] !== value) throw new ForbiddenError(name === 'key' ? '上传凭证不允许上传到该位置（只能用于签发它的单位、任务和报送）' : `上传凭证要求 ${name} 为 ${value}`);
        }
      }
    }
    const path = this.path(fields.key!);
    await mkdir(dirname(path), { recursive: true });
    const temporary = `${path}.${randomUUID()}.partial`;
    await writeFile(temporary, body);
    await rename(temporary, path);
    return fields.key!;
  }

  async read(key: string): Promise<Uint8Array | undefined> {
    try {
      return new Uint8Array(await readFile(this.path(key)));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async put(key: string, body: Uint8Array): Promise<void> {
    const path = this.path(key);
    await mkdir(dirname(path), { recursive: true });
    const temporary = `${path}.${randomUUID()}.partial`;
    await writeFile(temporary, body);
    await rename(temporary, path);
  }

  async move(from: string, to: string): Promise<void> {
    await mkdir(dirname(this.path(to)), { recursive: true });
    await rename(this.path(from), this.path(to));
  }

  async remove(key: string): Promise<void> {
    await rm(this.path(key), { force: true });
  }

  async openUrl(): Promise<undefined> {
    return undefined;
  }
}
