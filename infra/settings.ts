/**
 * The deployment's settings, read from CDK context (`-c key=value` or cdk.json's "context") and
 * checked before anything is synthesised: a missing or malformed mail domain or admin email, or a region where
 * SES is not offered, stops the synth with a message that says how to fix it, instead of deploying
 * a stack that mails from a domain nobody owns or cannot mail at all.
 */
import type { App } from 'aws-cdk-lib';
import { readFileSync } from 'node:fs';
import { Token } from 'aws-cdk-lib';
import type { DubanSettings } from './stateless-stack.ts';

/** A setting the deployment cannot go on without; its message is for the person deploying. */
export class DeploySettingError extends Error {
  constructor(
    message: string,
    readonly setting: string,
  ) {
    super(message);
  }
}

const emailPattern = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const domainPattern = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;

/**
 * SES is not offered in the AWS China regions (Beijing cn-north-1, Ningxia cn-northwest-1). The
 * stacks default to the region of the deploying profile; the functions' own default (wiring's
 * AWS_REGION) is ap-southeast-1, Singapore, where SES is offered.
 */
export function sesOffered(region: string): boolean {
  return !/^cn-/.test(region);
}

export function deploySettings(app: App, region: string | undefined): DubanSettings {
  const context = (key: string) => {
    const value = app.node.tryGetContext(key) as unknown;
    return value === undefined || value === null || value === '' ? undefined : String(value);
  };
  const mailDomain = context('mailDomain');
  if (!mailDomain) {
    throw new DeploySettingError(
      '缺少发信域名 mailDomain：请在部署命令中指定，例如 npx cdk deploy --all -c mailDomain=hb.example.gov.cn，或写入 cdk.json 的 "context"（"mailDomain": "hb.example.gov.cn"）。该域名须是本单位可添加 DNS 记录的域名（用于 SES 验证）。',
      'mailDomain',
    );
  }
  if (!domainPattern.test(mailDomain)) {
    throw new DeploySettingError(`发信域名 mailDomain 不是有效的域名：${mailDomain}。请填写如 hb.example.gov.cn 的域名，不含 @ 和 http://。`, 'mailDomain');
  }
  const mailFrom = context('mailFrom') ?? `duban@${mailDomain}`;
  if (!mailFrom.toLowerCase().endsWith(`@${mailDomain.toLowerCase()}`)) {
    throw new DeploySettingError(`发件地址 mailFrom（${mailFrom}）须属于发信域名 ${mailDomain}，例如 duban@${mailDomain}。`, 'mailFrom');
  }
  if (region && !Token.isUnresolved(region) && !sesOffered(region)) {
    throw new DeploySettingError(
      `所选区域 ${region} 不提供 Amazon SES 邮件服务，督办无法在此发送通知。请改用提供 SES 的区域，例如 ap-southeast-1（新加坡）：设置 AWS_REGION=ap-southeast-1 或在 AWS 配置文件中更改默认区域后重新部署。`,
      'region',
    );
  }
  const adminEmail = context('adminEmail');
  if (!adminEmail) {
    throw new DeploySettingError(
      '缺少管理员邮箱 adminEmail：请在部署命令中指定，例如 npx cdk deploy --all -c mailDomain=hb.example.gov.cn -c adminEmail=zhangsan@hb.example.gov.cn（可加 -c adminName=张三）。部署会以此邮箱建立第一个整改办账号，系统告警也发往该邮箱。',
      'adminEmail',
    );
  }
  if (!emailPattern.test(adminEmail)) {
    throw new DeploySettingError(`管理员邮箱 adminEmail 不是有效的邮箱地址：${adminEmail}。请填写如 zhangsan@hb.example.gov.cn 的地址。`, 'adminEmail');
  }
  return { mailDomain, mailFrom, appUrl: context('appUrl'), cadence: context('cadence'), adminEmail, adminName: context('adminName') ?? '整改办管理员', ...smtpSettings(context) };
}

/** The optional SMTP server (smtpHost, smtpPort, smtpUser, smtpPasswordSecret, smtpCaFile): checked like the rest. */
function smtpSettings(context: (key: string) => string | undefined): Pick<DubanSettings, 'smtp'> {
  const host = context('smtpHost');
  const [portText, user, secret, caFile] = [context('smtpPort'), context('smtpUser'), context('smtpPasswordSecret'), context('smtpCaFile')];
  if (!host) {
    const stray = (['smtpPort', 'smtpUser', 'smtpPasswordSecret', 'smtpCaFile'] as const).find((key) => context(key));
    if (stray) throw new DeploySettingError(`设置了 ${stray}，但缺少 SMTP 服务器 smtpHost：请一并指定，例如 -c smtpHost=mail.example.gov.cn -c smtpPort=465 -c smtpUser=duban@example.gov.cn。`, 'smtpHost');
    return {};
  }
  if (!domainPattern.test(host) && !/^\d{1,3}(\.\d{1,3}){3}$/.test(host)) {
    throw new DeploySettingError(`SMTP 服务器 smtpHost 不是有效的主机名：${host}。请填写如 mail.example.gov.cn 的主机名，不含 smtp:// 和端口。`, 'smtpHost');
  }
  const port = portText === undefined ? 465 : Number(portText);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new DeploySettingError(`SMTP 端口 smtpPort 应为 1–65535 之间的整数（465 为 SSL 直连，587 为 STARTTLS），收到“${portText}”。`, 'smtpPort');
  }
  if (secret && !/^arn:aws[\w-]*:secretsmanager:[\w-]+:\d{12}:secret:.+$/.test(secret)) {
    throw new DeploySettingError(`SMTP 密码的密钥 smtpPasswordSecret 应为 Secrets Manager 密钥的完整 ARN（arn:aws:secretsmanager:区域:账号:secret:名称-六位后缀），收到“${secret}”。`, 'smtpPasswordSecret');
  }
  if (secret && !user) throw new DeploySettingError('设置了 SMTP 密码的密钥 smtpPasswordSecret，但缺少登录用户名 smtpUser。', 'smtpUser');
  const ca = caFile === undefined ? undefined : smtpCa(caFile);
  return { smtp: { host, port, ...(user ? { user } : {}), ...(secret ? { passwordSecretArn: secret } : {}), ...(ca ? { ca } : {}) } };
}

/** The CA certificate(s) of a mail server a government CA signed: a PEM file, read at synth, passed to the jobs function. */
function smtpCa(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new DeploySettingError(`找不到 SMTP 服务器的 CA 证书文件 smtpCaFile：${file}。请填写 PEM 格式证书文件的路径。`, 'smtpCaFile');
  }
  const pem = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g);
  if (!pem) throw new DeploySettingError(`SMTP 服务器的 CA 证书文件 smtpCaFile（${file}）不是 PEM 格式的证书：应含 -----BEGIN CERTIFICATE----- 一段。`, 'smtpCaFile');
  // Lambda allows 4 KB of environment in all: a CA chain longer than that belongs in the trust store, not here.
  const ca = pem.join('\n');
  if (ca.length > 2500) throw new DeploySettingError(`SMTP 服务器的 CA 证书文件 smtpCaFile（${file}）过长（${ca.length} 字符）：只需签发该邮件服务器证书的那一张 CA 证书。`, 'smtpCaFile');
  return ca;
}
