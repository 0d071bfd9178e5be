import { describe, expect, it } from 'vitest';
import { mysqlCompensation, splitSqlStatements } from '../src/sql-statements.js';

describe('splitSqlStatements', () => {
  it('splits at semicolons outside quotes and comments and drops comment-only pieces', () => {
    const script = [
      '-- CreateTable; with a semicolon in the comment',
      "CREATE TABLE `a` (`note` VARCHAR(10) DEFAULT 'x;y');",
      '/* block; comment */',
      "INSERT INTO \"b\" VALUES ('it''s; fine');",
      '-- trailing comment only',
    ].join('\n');
    expect(splitSqlStatements(script)).toEqual([
      "CREATE TABLE `a` (`note` VARCHAR(10) DEFAULT 'x;y')",
      "INSERT INTO \"b\" VALUES ('it''s; fine')",
    ]);
  });
});

describe('mysqlCompensation', () => {
  it.each([
    ['CREATE TABLE `Route` (`id` INT)', 'DROP TABLE IF EXISTS `Route`'],
    ['CREATE UNIQUE INDEX `Route_code_key` ON `Route`(`code`)', 'DROP INDEX `Route_code_key` ON `Route`'],
    [
      'ALTER TABLE `Route` ADD CONSTRAINT `Route_tenantId_fkey` FOREIGN KEY (`tenantId`) REFERENCES `Tenant`(`id`)',
      'ALTER TABLE `Route` DROP FOREIGN KEY `Route_tenantId_fkey`',
    ],
    [
      'ALTER TABLE `Invoice` ADD COLUMN `routeId` VARCHAR(36) NULL',
      'ALTER TABLE `Invoice` DROP COLUMN `routeId`',
    ],
    // It may have found the table there, rows and all.
    ['CREATE TABLE IF NOT EXISTS `ApiDocument` (`id` INT)', null],
    ["UPDATE `Invoice` SET `status` = 'open'", null],
    ['ALTER TABLE `Invoice` MODIFY `status` VARCHAR(20)', null],
  ])('undoes %s with %s', (statement, undo) => {
    expect(mysqlCompensation(statement)).toBe(undo);
  });
});
