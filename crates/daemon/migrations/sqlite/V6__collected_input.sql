-- What a Request DTMF call collected (NULL for other calls and unanswered ones), and how an
-- OTP call's `require-keypress` check went (NULL before it existed: not required).
ALTER TABLE calls ADD COLUMN input_digits TEXT;
ALTER TABLE calls ADD COLUMN input_status TEXT;
ALTER TABLE calls ADD COLUMN input_attempts INTEGER;
ALTER TABLE calls ADD COLUMN keypress_check TEXT;
