import { z } from 'zod';
import { address, size } from '@picket/shared';
import { NAMESPACE_NAME } from '../units.ts';

/** The options every syslog listener has. */
export const syslogSourceFields = {
  name: z.string().regex(NAMESPACE_NAME).default('syslog').describe('Namespace of the records, e.g. "syslog".'),
  listen: address.default('127.0.0.1:5514').describe('Address and port to listen on.'),
  max_message_size: size.prefault('64KiB').describe('Longer messages are truncated and flagged.'),
};
