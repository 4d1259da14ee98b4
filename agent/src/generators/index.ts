import { hostUsers } from './host-users.ts';

/** Every generator the agent has, by name. */
export const generators = [hostUsers] as const;
