/**
 * One Mailer for every channel: each message goes to the sender of its channel (SES for email,
 * the office's SMTP server, the 企业微信 and 钉钉 robots). A channel the deployment has not set up
 * (SMTP without a server) fails the notice, so the office hears of it in the circular.
 */
import { MailError, type Mailer, type OutgoingMail } from '../core/ports.ts';

export interface ChannelSenders {
  email: Mailer;
  smtp?: Mailer;
  robots?: Mailer;
}

export class ChannelMailer implements Mailer {
  constructor(private readonly senders: ChannelSenders) {}

  send(mail: OutgoingMail) {
    switch (mail.channel ?? 'email') {
      case 'email':
        return this.senders.email.send(mail);
      case 'smtp':
        if (!this.senders.smtp) throw new MailError('未设置 SMTP 邮件服务器（DUBAN_SMTP_HOST），无法经 SMTP 发送', false, 'SMTP_NOT_CONFIGURED');
        return this.senders.smtp.send(mail);
      case 'wecom':
      case 'dingtalk':
        if (!this.senders.robots) throw new MailError('未启用机器人发送', false, 'ROBOT_NOT_CONFIGURED');
        return this.senders.robots.send(mail);
    }
  }
}
