// A buffered, backpressure-aware text writer for score files (one write per ~64 KB, not per row).
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { once } from 'node:events';

const FLUSH_AT = 64 * 1024;

export class OutputFile {
  private readonly stream: WriteStream;
  private buffer = '';

  private constructor(stream: WriteStream) {
    this.stream = stream;
  }

  static async create(file: string, header: string): Promise<OutputFile> {
    await mkdir(path.dirname(file), { recursive: true });
    const out = new OutputFile(createWriteStream(file));
    out.buffer = header + '\n';
    return out;
  }

  /** Appends a line; returns a promise only when it flushed (await it: backpressure). */
  line(text: string): Promise<void> | undefined {
    this.buffer += text + '\n';
    return this.buffer.length >= FLUSH_AT ? this.flush() : undefined;
  }

  private async flush(): Promise<void> {
    const chunk = this.buffer;
    this.buffer = '';
    if (!this.stream.write(chunk)) await once(this.stream, 'drain');
  }

  async close(): Promise<void> {
    if (this.buffer !== '') await this.flush();
    this.stream.end();
    await once(this.stream, 'finish');
  }

  destroy(): void {
    this.stream.destroy();
  }
}
