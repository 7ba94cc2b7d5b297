/** `npx duban template <out.xlsx>`: writes the blank ledger template. */
import { writeFileSync } from 'node:fs';
import { templateWorkbook } from '../../ledger-import/template.ts';
import type { Verb } from './verb.ts';

export const templateVerb: Verb = {
  name: 'template',
  usage: '  template <输出.xlsx>                      生成空白台账模板',
  async run(args, io) {
    const out = args[0];
    if (!out) {
      io.err('请指定输出文件：npx duban template 台账模板.xlsx');
      return 2;
    }
    writeFileSync(out, templateWorkbook());
    io.out(`已生成空白台账模板：${out}`);
    return 0;
  },
};
