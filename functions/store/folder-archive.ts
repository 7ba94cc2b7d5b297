/**
 * The report archive in a folder (the sandbox's data folder): keys are relative paths, so the
 * office finds the files under `.data/reports/<kind>/<period>/` and can open them directly.
 * Writes go to a temporary file first and are renamed into place: a reader never sees half a file.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname, extname, join, relative, resolve, sep } from 'node:path';
import type { ArchivedFile, ReportArchive } from '../core/ports.ts';

const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
  '.xlsx': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  '.docx': 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
};

export class FolderArchive implements ReportArchive {
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  private path(key: string): string {
    const path = resolve(this.root, key);
    if (!path.startsWith(this.root + sep)) throw new Error(`Archive key outside the archive: ${key}`);
    return path;
  }

  async put(key: string, body: Uint8Array, _contentType: string): Promise<void> {
    const path = this.path(key);
    await mkdir(dirname(path), { recursive: true });
    const temporary = `${path}.${randomUUID()}.partial`;
    await writeFile(temporary, body);
    await rename(temporary, path);
  }

  async get(key: string) {
    try {
      const body = await readFile(this.path(key));
      return { body: new Uint8Array(body), contentType: types[extname(key)] ?? 'application/octet-stream' };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async list(prefix: string): Promise<ArchivedFile[]> {
    const files: ArchivedFile[] = [];
    const walk = async (dir: string) => {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw error;
      }
      for (const entry of entries) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) await walk(path);
        else if (!entry.name.endsWith('.partial')) {
          const key = relative(this.root, path).split(sep).join('/');
          if (key.startsWith(prefix)) files.push({ key, size: (await stat(path)).size, contentType: types[extname(key)] ?? 'application/octet-stream' });
        }
      }
    };
    // Walk only the folder the prefix names, not the whole archive.
    const folder = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
    await walk(folder ? this.path(folder) : this.root);
    return files.sort((a, b) => a.key.localeCompare(b.key));
  }
}
