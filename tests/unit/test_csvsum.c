/* csvsum: a CSV file's summary, its first and last ids and its export links. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/csvsum.h"

#define ID1 "11111111-1111-4111-8111-111111111111"
#define ID2 "22222222-2222-4222-8222-222222222222"
#define ID3 "33333333-3333-4333-8333-333333333333"

/* Adds a canonical report given as JSON text. */
static void add(struct csvsum *s, const char *text)
{
	json_t *canon = json_loads(text, 0, NULL);

	assert_non_null(canon);
	csvsum_add(s, canon);
	json_decref(canon);
}

static void assert_summary(const struct csvsum *s, const char *expected)
{
	json_t *j = csvsum_json(s, "ngo-a");
	char *text = json_dumps(j, JSON_COMPACT);

	assert_string_equal(text, expected);
	free(text);
	json_decref(j);
}

static void empty(void **state)
{
	struct csvsum s = CSVSUM_INIT;

	(void)state;
	assert_summary(&s, "{\"first_report_id\":null,\"last_report_id\":null,\"export\":{},"
		       "\"receipt\":\"/api/v1/reports/ngo-a/{report_id}/receipt\"}");
}

/* Dates as written; an observed_at alone is a UTC day with one either side. */
static void one_kind_one_corridor(void **state)
{
	struct csvsum s = CSVSUM_INIT;

	(void)state;
	add(&s, "{\"kind\":\"trucks\",\"report_id\":\"" ID1 "\",\"corridor\":\"lachin\",\"date\":\"2023-01-12\",\"trucks\":1}");
	add(&s, "{\"kind\":\"trucks\",\"report_id\":\"" ID2 "\",\"corridor\":\"lachin\",\"date\":\"2023-01-10\","
		"\"observed_at\":\"2023-01-09T22:00:00.000000Z\",\"trucks\":1}");
	assert_int_equal(s.reports, 2);
	assert_summary(&s, "{\"first_report_id\":\"" ID1 "\",\"last_report_id\":\"" ID2 "\","
		       "\"export\":{\"trucks\":\"/api/v1/reports.csv?kind=trucks&corridor=lachin&from=2023-01-10&to=2023-01-12\"},"
		       "\"receipt\":\"/api/v1/reports/ngo-a/{report_id}/receipt\"}");
	add(&s, "{\"kind\":\"trucks\",\"report_id\":\"" ID3 "\",\"corridor\":\"lachin\",\"observed_at\":\"2023-01-31T23:59:59.000000Z\",\"trucks\":1}");
	assert_summary(&s, "{\"first_report_id\":\"" ID1 "\",\"last_report_id\":\"" ID3 "\","
		       "\"export\":{\"trucks\":\"/api/v1/reports.csv?kind=trucks&corridor=lachin&from=2023-01-10&to=2023-02-01\"},"
		       "\"receipt\":\"/api/v1/reports/ngo-a/{report_id}/receipt\"}");
}

/* Kinds apart, in kind order; two corridors drop the corridor filter; days before 1970. */
static void kinds_and_corridors(void **state)
{
	struct csvsum s = CSVSUM_INIT;

	(void)state;
	add(&s, "{\"kind\":\"access\",\"report_id\":\"" ID1 "\",\"corridor\":\"rafah\",\"at\":\"1969-12-31T23:00:00.000000Z\",\"status\":\"open\"}");
	add(&s, "{\"kind\":\"shortage\",\"report_id\":\"" ID2 "\",\"corridor\":\"rafah\",\"date\":\"2024-02-29\"}");
	add(&s, "{\"kind\":\"access\",\"report_id\":\"" ID3 "\",\"corridor\":\"lachin\",\"at\":\"1970-01-01T00:00:00.000000Z\",\"status\":\"open\"}");
	add(&s, "{\"kind\":\"movement\",\"report_id\":\"" ID2 "\",\"corridor\":\"rafah\",\"planned_for\":\"2024-03-01\"}");
	add(&s, "{\"kind\":\"disruption\",\"report_id\":\"" ID1 "\",\"corridor\":\"rafah\",\"started_at\":\"2024-03-01T12:00:00.000000Z\"}");
	assert_summary(&s, "{\"first_report_id\":\"" ID1 "\",\"last_report_id\":\"" ID1 "\",\"export\":{"
		       "\"shortage\":\"/api/v1/reports.csv?kind=shortage&corridor=rafah&from=2024-02-29&to=2024-02-29\","
		       "\"disruption\":\"/api/v1/reports.csv?kind=disruption&corridor=rafah&from=2024-02-29&to=2024-03-02\","
		       "\"access\":\"/api/v1/reports.csv?kind=access&from=1969-12-30&to=1970-01-02\","
		       "\"movement\":\"/api/v1/reports.csv?kind=movement&corridor=rafah&from=2024-03-01&to=2024-03-01\"},"
		       "\"receipt\":\"/api/v1/reports/ngo-a/{report_id}/receipt\"}");
}

/* A report without the day its export filters on: no from and to for its kind. */
static void undated(void **state)
{
	struct csvsum s = CSVSUM_INIT;

	(void)state;
	add(&s, "{\"kind\":\"trucks\",\"report_id\":\"" ID1 "\",\"corridor\":\"lachin\",\"date\":\"2023-01-12\"}");
	add(&s, "{\"kind\":\"trucks\",\"report_id\":\"" ID2 "\",\"corridor\":\"lachin\"}");
	add(&s, "{\"kind\":\"trucks\",\"report_id\":\"" ID3 "\",\"corridor\":\"Not a slug&x=1\",\"date\":\"2023-01-13\"}");
	assert_summary(&s, "{\"first_report_id\":\"" ID1 "\",\"last_report_id\":\"" ID3 "\","
		       "\"export\":{\"trucks\":\"/api/v1/reports.csv?kind=trucks\"},"
		       "\"receipt\":\"/api/v1/reports/ngo-a/{report_id}/receipt\"}");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(empty),
		cmocka_unit_test(one_kind_one_corridor),
		cmocka_unit_test(kinds_and_corridors),
		cmocka_unit_test(undated),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
