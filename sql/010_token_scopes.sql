-- 010: what a token may do (design.md, stage two, "Token scopes").  Every
-- existing token keeps submitting: submit is the default.  review is for
-- coordinating bodies that review reports; read opens a private
-- installation's status surfaces and nothing else.

ALTER TABLE supplywatch.tokens
	ADD COLUMN scope text NOT NULL DEFAULT 'submit' CHECK (scope IN ('submit', 'review', 'read'));
