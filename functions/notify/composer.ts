/**
 * Renders notice drafts into email: a Chinese subject, HTML from templates/email (CSS inlined for
 * mail clients by inline-css.ts) and a plain-text part. Every message says why its recipient gets it.
 */
import Handlebars from 'handlebars';
import { inlineCss } from './inline-css.ts';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Composer, NoticeDraft } from '../core/cadence/job.ts';
import { defaultOfficeWords, isRobot, type ChannelKind, type OfficeWords } from '../core/ledger.ts';
import { robotMarkdown } from './robot-message.ts';

type Data = Record<string, any>;

/** Subjects name the programme in the office's words (基本信息), e.g. 督察整改工作. */
const subjects: Record<string, (d: Data, office: OfficeWords) => string> = {
  'weekly-dispatch': (d) => `【周调度】${d.week}：请于${d.reportBy}前报送整改进展`,
  chase: (d) => `【催办】${d.unit}本周整改进展尚未报送`,
  'deadline-reminder': (d) => `【到期提醒】${d.unit}有${d.items.length}项整改事项即将到期`,
  'monthly-reminder': (d) => `【月交账提醒】请于${d.dueDay}前提交${d.month}整改交账`,
  'monthly-chase': (d) => `【催办】${d.unit}未按期提交${d.month}整改交账`,
  'continuing-chase': (d) => `【催办】${d.unit}${d.month}长期坚持事项未报送`,
  'duty-chase': (d) => `【催办】${d.unit}有${d.items.length}项常态化工作未完成`,
  'monthly-account': (d, office) => `【月交账】${d.month}${office.programme}交账情况汇总`,
  'monthly-score': (d) => `【考核】${d.unit}${d.month}考核得分${d.total}分，排名第${d.rank}名`,
  'weekly-circular': (d, office) => `【周通报】${d.week}${office.programme}推进情况`,
  escalation: (d) => `【${d.topName}】${d.unit ? `${d.unit}：` : ''}${d.items.length}项整改任务督办升级`,
  'escalation-proposal': (d) =>
    d.units.length === 1 ? `【升级建议】${d.first.unit}：建议升级为${d.first.levelName}，请确认或不予升级` : `【升级建议】${d.units.length}个单位的督办升级建议待确认`,
  'interview-reminder': (d) => `【约谈跟进】${d.items.length}项约谈超过期限尚未登记`,
  'calendar-reminder': (d) => `【工作日历】尚未载入${d.year}年法定节假日安排，请尽快载入`,
  'sign-in': (d) => `【登录】督办系统登录链接（${d.minutes}分钟内有效）`,
  'closeout-closed': (d) => `【销号】${d.unit ? `${d.unit}：` : ''}${d.items.length}项整改任务公示期满，已销号`,
  'lookback-request': (d) => `【回头看】${d.unit}有${d.items.length}项已销号任务请确认整改成效`,
  'lookback-chase': (d) => `【催办】${d.unit}尚未报送${d.items.length}项任务的回头看`,
};

function why(draft: NoticeDraft, office: OfficeWords): string {
  const { to } = draft;
  switch (to.role) {
    case '联络员':
      if (draft.kind === 'duty-chase') return `您收到此邮件，是因为您是${to.unit}的督察整改联络员，本单位承担常态化工作。`;
      if (draft.kind === 'continuing-chase') return `您收到此邮件，是因为您是${to.unit}的督察整改联络员，本单位牵头的长期坚持事项须每月报送。`;
      return draft.kind === 'weekly-circular'
        ? `您收到此邮件，是因为您是${to.unit}的督察整改联络员；周通报发送至各责任单位。`
        : `您收到此邮件，是因为您是${to.unit}的督察整改联络员，本单位承担未销号的整改任务。`;
    case '主要负责人':
      return `您收到此邮件，是因为您是${to.unit}的主要负责人。`;
    case '领导小组':
      return '您收到此邮件，是因为您是整改工作领导小组成员。';
    case '督办领导':
      return '您收到此邮件，是因为您是重点整改任务的督办领导。';
    case '整改办':
      return `您收到此邮件，是因为您是${office.officeName}（${office.officeShortName}）工作人员。`;
    default:
      return `您收到此邮件，是因为您是${to.role}。`;
  }
}

/** Stand-ins for the recipient while the HTML is inlined (invisible separators: never in a ledger). */
const NAME_MASK = '\u2063收件人\u2063';
const WHY_MASK = '\u2063原因\u2063';

const templateOf = (kind: string) => kind.replace(/-\d+$/, '');
/** Subjects go into a mail header: no line breaks, ever. */
const oneLine = (s: string) => s.replace(/[\r\n]+/g, ' ').trim();

export class TemplateComposer implements Composer {
  private readonly hb = Handlebars.create();
  private readonly cache = new Map<string, Handlebars.TemplateDelegate>();

  /** `inlineStyles` moves the style sheet into the elements (inline-css.ts; the tests compare it with juice). */
  constructor(
    private readonly dir: string,
    private readonly inlineStyles: (html: string) => string = inlineCss,
  ) {
    this.hb.registerHelper('join', (list: unknown) => (Array.isArray(list) ? list.join('、') : ''));
    this.hb.registerPartial('taskTable', this.source('_taskTable.hbs'));
  }

  private source(file: string): string {
    return readFileSync(join(this.dir, file), 'utf8');
  }

  private template(file: string, noEscape = false): Handlebars.TemplateDelegate {
    const key = `${file}:${noEscape}`;
    let t = this.cache.get(key);
    if (!t) {
      t = this.hb.compile(this.source(file), { noEscape, strict: false });
      this.cache.set(key, t);
    }
    return t;
  }

  /**
   * Inlining CSS (juice) is the costly step, about 10 ms for a short message and far more for a
   * province's circular. The HTML is rendered with the recipient's name and the why-line masked,
   * inlined once per distinct result, and the recipient filled in after: a circular to a thousand
   * liaisons is inlined once.
   */
  private readonly inlined = new Map<string, string>();

  private inline(page: string): string {
    const key = createHash('sha256').update(page).digest('base64');
    let html = this.inlined.get(key);
    if (html === undefined) {
      html = this.inlineStyles(page);
      if (this.inlined.size >= 32) this.inlined.delete(this.inlined.keys().next().value!);
      this.inlined.set(key, html);
    }
    return html;
  }

  compose(draft: NoticeDraft, channel: ChannelKind = 'email') {
    const name = templateOf(draft.kind);
    const subjectOf = subjects[name];
    if (!subjectOf) throw new Error(`No template for notice kind ${draft.kind}`);
    const office = { ...defaultOfficeWords, ...draft.office };
    const subject = oneLine(subjectOf(draft.data, office));
    const context = { ...draft, office, subject, why: why(draft, office) };
    if (isRobot(channel)) {
      // A group robot gets the text part as markdown, within its length limit; no HTML, no files.
      const markdown = robotMarkdown(subject, this.plainText(name, context, office), { lineBreak: channel === 'dingtalk' ? '  \n' : '\n' });
      return { subject, html: '', text: markdown };
    }
    // The body keeps stand-ins for the recipient's name and why-line, which the notice carries:
    // every liaison's copy of a circular is then one stored body.
    const masked = { ...context, to: { ...draft.to, name: NAME_MASK }, why: WHY_MASK };
    const body = this.template(`${name}.hbs`)(masked);
    const html = this.inline(this.template('layout.hbs')({ ...masked, body }));
    const fills = [
      { mask: NAME_MASK, value: draft.to.name },
      { mask: WHY_MASK, value: context.why },
    ];
    return { subject, html, text: this.plainText(name, masked, office), fills };
  }

  private plainText(name: string, context: Record<string, any> & { why: string }, office: OfficeWords): string {
    return `${this.template(`${name}.txt.hbs`, true)(context).replace(/\n{3,}/g, '\n\n').trim()}\n\n—\n${context.why}\n本邮件由${office.programme}督办系统自动发送，请勿直接回复；如有疑问请联系${office.officeShortName}${office.phone ? `（电话 ${office.phone}）` : ''}。\n`;
  }
}

export const EMAIL_TEMPLATE_DIR = process.env.DUBAN_TEMPLATE_DIR
  ? join(process.env.DUBAN_TEMPLATE_DIR, 'email')
  : join(import.meta.dirname, '../../templates/email');
