import { commandType } from './command.ts';
import { hostAuthorizedKeys } from './host-authorized-keys.ts';
import { hostCron } from './host-cron.ts';
import { hostFiles } from './host-files.ts';
import { hostGroups } from './host-groups.ts';
import { hostInterfaces } from './host-interfaces.ts';
import { hostKernelModules } from './host-kernel-modules.ts';
import { hostMounts } from './host-mounts.ts';
import { hostPackages } from './host-packages.ts';
import { hostSockets } from './host-sockets.ts';
import { hostSudoers } from './host-sudoers.ts';
import { hostSystemdUnits } from './host-systemd-units.ts';
import { hostUsers } from './host-users.ts';
import { moduleType } from './module.ts';

/** Every generator the agent has, by name. With no configuration, the agent runs them all. */
export const generators = [
  hostUsers,
  hostGroups,
  hostSudoers,
  hostAuthorizedKeys,
  hostSockets,
  hostPackages,
  hostKernelModules,
  hostCron,
  hostSystemdUnits,
  hostMounts,
  hostInterfaces,
  hostFiles,
] as const;

/**
 * Generator types the user instantiates: each configured entry is a
 * generator of its own, named by the entry (see define-generator.ts).
 */
export const customGeneratorTypes = [commandType, moduleType] as const;
