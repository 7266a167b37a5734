import { z } from 'zod';

export interface NotificationPreferences {
  newContent: boolean;
  friendRequests: boolean;
}

/** An item of the Users table. */
export interface Profile {
  userId: string;
  displayName: string;
  avatarContentId?: string;
  notificationPreferences: NotificationPreferences;
  createdAt: string;
  updatedAt: string;
}

export const DISPLAY_NAME_MAX = 80;

export const DEFAULT_NOTIFICATION_PREFERENCES: NotificationPreferences = { newContent: true, friendRequests: true };

export const displayNameSchema = z
  .string()
  .trim()
  .min(1)
  .max(DISPLAY_NAME_MAX)
  .refine((s) => !/[\u0000-\u001f\u007f]/.test(s), 'must not contain control characters');
