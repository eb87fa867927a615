-- A redelivery asked for while an attempt is under way: that attempt began before the request, so
-- when it ends, whatever its outcome, the delivery is due again at once. A claim clears the mark
-- (the attempt it starts is the send the redelivery asked for). Before this, a redelivery that came
-- while the first attempt's success was being recorded was answered 202 pending and never sent.
ALTER TABLE webhook_deliveries ADD COLUMN send_again boolean NOT NULL DEFAULT false;

-- Checked without holding the table's lock for the scan: NOT VALID applies the check to new writes
-- at once, VALIDATE reads the existing rows under a lock that lets writes go on.
ALTER TABLE webhook_deliveries ADD CONSTRAINT webhook_deliveries_send_again_after_an_attempt
    CHECK (NOT send_again OR attempt_id IS NOT NULL) NOT VALID;
ALTER TABLE webhook_deliveries VALIDATE CONSTRAINT webhook_deliveries_send_again_after_an_attempt;
