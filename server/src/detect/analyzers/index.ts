import { newAuthorizedKey } from './new-authorized-key.ts';
import { newExposedSocket } from './new-exposed-socket.ts';
import { newKernelModule } from './new-kernel-module.ts';
import { newRootAccount } from './new-root-account.ts';
import { newScheduledJob } from './new-scheduled-job.ts';
import { newSudoersRule } from './new-sudoers-rule.ts';
import { packageRemovedOrDowngraded } from './package-removed-or-downgraded.ts';
import { privilegedGroupMember } from './privileged-group-member.ts';
import { watchedFileChanged } from './watched-file-changed.ts';

/** The built-in analyzers. */
export const builtinAnalyzers = [
  newRootAccount,
  privilegedGroupMember,
  newSudoersRule,
  newAuthorizedKey,
  newExposedSocket,
  newKernelModule,
  newScheduledJob,
  watchedFileChanged,
  packageRemovedOrDowngraded,
];
