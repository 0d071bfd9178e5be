import { loadRateTable, type RateTable } from './rate-table.js';

/*
 * A small sample rate table with real published rates, for examples, tests and demos.
 *
 * THESE ARE EXAMPLES, NOT TAX ADVICE. Rates change, local taxes depend on the exact address (not
 * just the city name), and taxability of categories such as services or digital goods is far more
 * detailed than shown here. Verify every figure with the tax authority before relying on it.
 *
 * Each rate carries its source and the date its figure was checked. Where only the current rate is
 * modelled, `validFrom` is a date from which the rate is known to have been in force, not
 * necessarily the day it was introduced; earlier dates then fail with TAX_NO_RATE_IN_FORCE rather
 * than guessing.
 */
const table: RateTable = {
  name: 'billkit sample rates (examples, not tax advice)',
  taxCategories: [
    { id: 'general', description: 'Tangible goods taxed at the standard rate' },
    { id: 'services', description: 'General services' },
    { id: 'digital', description: 'Digital goods and software delivered electronically' },
    { id: 'books', description: 'Printed books' },
    { id: 'waste_collection', description: 'Commercial waste collection' },
    { id: 'exempt', description: 'Supplies exempt everywhere', treatment: 'exempt' },
  ],
  jurisdictions: [
    // United States: no federal sales tax, so the country level carries no rates.
    { id: 'US', name: 'United States', level: 'country', country: 'US' },
    { id: 'US-IL', name: 'Illinois', level: 'state', parentId: 'US', match: { region: 'IL' } },
    { id: 'US-IL-COOK', name: 'Cook County', level: 'county', parentId: 'US-IL', match: { county: 'Cook' } },
    {
      id: 'US-IL-CHICAGO',
      name: 'Chicago',
      level: 'city',
      parentId: 'US-IL-COOK',
      match: { city: 'Chicago' },
    },
    // The RTA tax applies county-wide (at 1 % in Cook County; 0.75 % in the collar counties, not modelled).
    { id: 'US-IL-RTA', name: 'Regional Transportation Authority', level: 'district', parentId: 'US-IL-COOK' },
    { id: 'US-CA', name: 'California', level: 'state', parentId: 'US', match: { region: 'CA' } },
    {
      id: 'US-CA-LA',
      name: 'Los Angeles County',
      level: 'county',
      parentId: 'US-CA',
      match: { county: 'Los Angeles' },
    },
    // The City of Los Angeles levies no district tax of its own (other LA County cities may).
    {
      id: 'US-CA-LA-CITY',
      name: 'City of Los Angeles',
      level: 'city',
      parentId: 'US-CA-LA',
      match: { city: 'Los Angeles' },
    },
    { id: 'US-TX', name: 'Texas', level: 'state', parentId: 'US', match: { region: 'TX' } },
    { id: 'US-TX-AUSTIN', name: 'Austin', level: 'city', parentId: 'US-TX', match: { city: 'Austin' } },
    // Capital Metro's boundary is not exactly Austin's city limits; matched on the city for the example.
    {
      id: 'US-TX-CAPMETRO',
      name: 'Capital Metropolitan Transportation Authority',
      level: 'district',
      parentId: 'US-TX',
      match: { city: 'Austin' },
    },
    // Oregon has no state sales tax: listed without rates, its lines are `not_subject_to_tax`.
    { id: 'US-OR', name: 'Oregon', level: 'state', parentId: 'US', match: { region: 'OR' } },
    // Listed as a state where the example seller is not registered: lines are `not_collecting`.
    {
      id: 'US-WA',
      name: 'Washington',
      level: 'state',
      parentId: 'US',
      match: { region: 'WA' },
      collecting: false,
    },
    { id: 'DE', name: 'Germany', level: 'country', country: 'DE' },
    { id: 'GB', name: 'United Kingdom', level: 'country', country: 'GB' },
    { id: 'FR', name: 'France', level: 'country', country: 'FR' },
    { id: 'JP', name: 'Japan', level: 'country', country: 'JP' },
    // Canada: only Quebec is modelled; other provinces fail with TAX_UNKNOWN_JURISDICTION.
    { id: 'CA', name: 'Canada', level: 'country', country: 'CA' },
    { id: 'CA-QC', name: 'Quebec', level: 'state', parentId: 'CA', match: { region: 'QC' } },
  ],
  rates: [
    // Illinois state Retailers' Occupation Tax, general merchandise 6.25 %. Source: Illinois
    // Department of Revenue, "Sales & Use Tax Rates" / Tax Rate Finder (tax.illinois.gov), as
    // published for 2025. The Illinois ROT taxes tangible goods; most services are not subject to it.
    {
      jurisdictionId: 'US-IL',
      taxType: 'sales',
      rate: '0.0625',
      validFrom: '2016-01-01',
      categories: { services: { treatment: 'exempt' }, waste_collection: { treatment: 'exempt' } },
      source: 'Illinois Department of Revenue, state ROT general merchandise rate 6.25% (checked for 2025)',
    },
    // Cook County Home Rule County Retailers' Occupation Tax 1.75 %, raised from 0.75 % on 2016-01-01.
    // Source: Cook County Department of Revenue; Illinois DOR Tax Rate Finder, as published for 2025.
    {
      jurisdictionId: 'US-IL-COOK',
      taxType: 'sales',
      rate: '0.0175',
      validFrom: '2016-01-01',
      categories: { services: { treatment: 'exempt' }, waste_collection: { treatment: 'exempt' } },
      source: 'Cook County Home Rule County ROT 1.75% since 2016-01-01 (checked for 2025)',
    },
    // Chicago Home Rule Municipal Retailers' Occupation Tax 1.25 %. Source: Illinois DOR Tax Rate
    // Finder and City of Chicago Department of Finance, as published for 2025 (Chicago total 10.25 %).
    {
      jurisdictionId: 'US-IL-CHICAGO',
      taxType: 'sales',
      rate: '0.0125',
      validFrom: '2016-01-01',
      categories: { services: { treatment: 'exempt' }, waste_collection: { treatment: 'exempt' } },
      source: 'City of Chicago Home Rule Municipal ROT 1.25% (checked for 2025)',
    },
    // RTA Retailers' Occupation Tax 1.00 % in Cook County. Source: Illinois DOR Tax Rate Finder /
    // Regional Transportation Authority, as published for 2025.
    {
      jurisdictionId: 'US-IL-RTA',
      taxType: 'sales',
      rate: '0.01',
      validFrom: '2016-01-01',
      categories: { services: { treatment: 'exempt' }, waste_collection: { treatment: 'exempt' } },
      source: 'RTA ROT 1.00% in Cook County (checked for 2025)',
    },
    // California statewide base rate 7.25 % since 2017-01-01 (down from 7.50 % when Proposition 30's
    // 0.25 % expired). Source: California Department of Tax and Fee Administration (CDTFA), "California
    // City & County Sales & Use Tax Rates", checked for 2025. Sales tax applies to tangible goods;
    // most services are not taxable.
    {
      jurisdictionId: 'US-CA',
      taxType: 'sales',
      rate: '0.0725',
      validFrom: '2017-01-01',
      categories: { services: { treatment: 'exempt' }, waste_collection: { treatment: 'exempt' } },
      source: 'CDTFA statewide base rate 7.25% since 2017-01-01 (checked for 2025)',
    },
    // Los Angeles County district taxes: Prop A 0.5 %, Prop C 0.5 %, Measure R 0.5 %, Measure M 0.5 %
    // and Measure H 0.25 % = 2.25 % from 2017-10-01 (City of Los Angeles total 9.50 %). Source: CDTFA.
    {
      jurisdictionId: 'US-CA-LA',
      taxType: 'sales',
      rate: '0.0225',
      validFrom: '2017-10-01',
      validTo: '2025-04-01',
      categories: { services: { treatment: 'exempt' }, waste_collection: { treatment: 'exempt' } },
      source: 'CDTFA, Los Angeles County district taxes 2.25% (City of LA 9.50%), 2017-10-01 to 2025-03-31',
    },
    // From 2025-04-01 Measure A (0.5 %) replaces Measure H (0.25 %): district taxes 2.50 %, City of Los
    // Angeles total 9.75 %. Source: CDTFA tax rate changes effective April 1, 2025, checked 2025.
    {
      jurisdictionId: 'US-CA-LA',
      taxType: 'sales',
      rate: '0.025',
      validFrom: '2025-04-01',
      categories: { services: { treatment: 'exempt' }, waste_collection: { treatment: 'exempt' } },
      source: 'CDTFA, Los Angeles County district taxes 2.50% (City of LA 9.75%) from 2025-04-01',
    },
    // Texas state sales and use tax 6.25 %. Source: Texas Comptroller of Public Accounts, "Sales and
    // Use Tax", checked for 2025. (Texas taxes only listed services; the sample taxes `services` at
    // the standard rate for illustration only.)
    {
      jurisdictionId: 'US-TX',
      taxType: 'sales',
      rate: '0.0625',
      validFrom: '2016-01-01',
      source: 'Texas Comptroller, state rate 6.25% (checked for 2025)',
    },
    // City of Austin local sales tax 1 %. Source: Texas Comptroller, "Local Sales and Use Tax Rates", 2025.
    {
      jurisdictionId: 'US-TX-AUSTIN',
      taxType: 'sales',
      rate: '0.01',
      validFrom: '2016-01-01',
      source: 'Texas Comptroller, City of Austin 1% (checked for 2025)',
    },
    // Capital Metro (Austin MTA) 1 %; Austin total 8.25 %. Source: Texas Comptroller, local rates, 2025.
    {
      jurisdictionId: 'US-TX-CAPMETRO',
      taxType: 'sales',
      rate: '0.01',
      validFrom: '2016-01-01',
      source: 'Texas Comptroller, Austin MTA (Capital Metro) 1% (checked for 2025)',
    },
    // Washington state sales tax 6.5 %. Source: Washington Department of Revenue, checked for 2025.
    {
      jurisdictionId: 'US-WA',
      taxType: 'sales',
      rate: '0.065',
      validFrom: '2016-01-01',
      source: 'Washington DOR, state rate 6.5% (checked for 2025)',
    },
    // Germany: standard 19 % / reduced 7 % since 2007-01-01 (§ 12 UStG); temporarily 16 % / 5 % from
    // 2020-07-01 to 2020-12-31 (Zweites Corona-Steuerhilfegesetz). Printed books are reduced-rated.
    {
      jurisdictionId: 'DE',
      taxType: 'vat',
      rate: '0.19',
      validFrom: '2007-01-01',
      validTo: '2020-07-01',
      categories: { books: { treatment: 'reduced', rate: '0.07' } },
      source: '§ 12 UStG: 19% / 7% from 2007-01-01',
    },
    {
      jurisdictionId: 'DE',
      taxType: 'vat',
      rate: '0.16',
      validFrom: '2020-07-01',
      validTo: '2021-01-01',
      categories: { books: { treatment: 'reduced', rate: '0.05' } },
      source: 'Zweites Corona-Steuerhilfegesetz: 16% / 5% from 2020-07-01 to 2020-12-31',
    },
    {
      jurisdictionId: 'DE',
      taxType: 'vat',
      rate: '0.19',
      validFrom: '2021-01-01',
      categories: { books: { treatment: 'reduced', rate: '0.07' } },
      source: '§ 12 UStG: 19% / 7% again from 2021-01-01 (checked for 2025)',
    },
    // United Kingdom: standard rate 20 % since 2011-01-04 (up from 17.5 %); books are zero-rated.
    // Source: HMRC, "VAT rates on different goods and services" (gov.uk), checked for 2025.
    {
      jurisdictionId: 'GB',
      taxType: 'vat',
      rate: '0.2',
      validFrom: '2011-01-04',
      categories: { books: { treatment: 'zero' } },
      source: 'HMRC: standard rate 20% since 2011-01-04; books zero-rated (checked for 2025)',
    },
    // France: taux normal 20 % since 2014-01-01 (up from 19.6 %); books at the reduced 5.5 %.
    // Source: Code général des impôts art. 278 and 278-0 bis; impots.gouv.fr, checked for 2025.
    {
      jurisdictionId: 'FR',
      taxType: 'vat',
      rate: '0.2',
      validFrom: '2014-01-01',
      categories: { books: { treatment: 'reduced', rate: '0.055' } },
      source: 'CGI art. 278 / 278-0 bis: 20% since 2014-01-01, books 5.5% (checked for 2025)',
    },
    // Japan consumption tax (national + local) 8 % from 2014-04-01, 10 % from 2019-10-01. The 8 %
    // reduced rate for food and newspapers since 2019-10-01 is not modelled (no food category here).
    // Source: National Tax Agency Japan, consumption tax rates, checked for 2025.
    {
      jurisdictionId: 'JP',
      taxType: 'consumption',
      rate: '0.08',
      validFrom: '2014-04-01',
      validTo: '2019-10-01',
      source: 'National Tax Agency Japan: consumption tax 8% from 2014-04-01',
    },
    {
      jurisdictionId: 'JP',
      taxType: 'consumption',
      rate: '0.1',
      validFrom: '2019-10-01',
      source: 'National Tax Agency Japan: consumption tax 10% from 2019-10-01 (checked for 2025)',
    },
    // Canada GST 5 % since 2008-01-01. Source: Canada Revenue Agency, "GST/HST rates", checked for 2025.
    {
      jurisdictionId: 'CA',
      taxType: 'gst',
      rate: '0.05',
      validFrom: '2008-01-01',
      source: 'CRA: GST 5% since 2008-01-01 (checked for 2025)',
    },
    // Quebec Sales Tax: compound (charged on price + GST) at 8.5 % in 2011 and 9.5 % in 2012; from
    // 2013-01-01 9.975 % on the price alone. Source: Revenu Québec, QST rate history, checked 2025.
    {
      jurisdictionId: 'CA-QC',
      taxType: 'qst',
      rate: '0.085',
      validFrom: '2011-01-01',
      validTo: '2012-01-01',
      compound: true,
      source: 'Revenu Québec: QST 8.5% on price + GST in 2011',
    },
    {
      jurisdictionId: 'CA-QC',
      taxType: 'qst',
      rate: '0.095',
      validFrom: '2012-01-01',
      validTo: '2013-01-01',
      compound: true,
      source: 'Revenu Québec: QST 9.5% on price + GST in 2012',
    },
    {
      jurisdictionId: 'CA-QC',
      taxType: 'qst',
      rate: '0.09975',
      validFrom: '2013-01-01',
      source: 'Revenu Québec: QST 9.975% on the price excluding GST since 2013-01-01 (checked for 2025)',
    },
  ],
};

/** The sample rate table (validated and frozen). Examples, not tax advice: see the comments in its source. */
export const sampleRateTable: RateTable = loadRateTable(table);
