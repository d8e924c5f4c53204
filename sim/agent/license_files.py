"""License files: `license smart save usage` writes one, `license smart import` reads one."""

from __future__ import annotations

from datetime import datetime

from pydantic import ValidationError

from sim.agent.acks import AckHandling
from sim.agent.import_outcome import ImportOutcome, ImportResult
from sim.agent.policy_install import (
    POLICY_FAILURE_TEXT,
    carries_policy,
    policy_id_of,
    policy_problem,
)
from sim.agent.records import ImportEntry, ms
from sim.agent.states import ReportState
from sim.agent.usage import UsageReporting
from sim.protocol.errors import Refusal
from sim.protocol.files import ImportFile, SystemInfo, write_usage_file
from sim.protocol.messages import AckBody
from sim.protocol.rum import SOFTWARE_TAG
from sim.protocol.signing import SignatureError, SignedDocument
from sim.retention import keep_last
from sim.syslog import Message


class LicenseFiles(UsageReporting, AckHandling):
    def usage_file(self, now: datetime, *, unreported_only: bool) -> str:
        """`license smart save usage`: the `<smartLicense>` file of RUM reports."""
        for report in self.reports:
            if report.state is ReportState.OPEN:
                self._close(report, now)
        chosen = [
            r
            for r in self.reports
            if r.state is not ReportState.OPEN
            and not (unreported_only and r.state is ReportState.ACK)
        ]
        for name, count in sorted(self.licenses.items()):
            self._open(name, count, now)
        wire = self._signed(now, chosen)
        if self._carries_conversion(now) and self.conversion is not None:
            self.conversion.carried_by(now, [r.report_id for r in chosen])
        system = SystemInfo(
            sudi=self.sudi,
            hostname=self.hostname,
            software_tag_identifier=SOFTWARE_TAG,
            timestamp=ms(now),
            nonce=self._nonce(),
        )
        self.last_file_write = now
        self._event(now, f"Usage saved to file ({len(chosen)} report(s))")
        return write_usage_file(system, wire)

    def record_file_write(self, now: datetime) -> None:
        self.last_file_write = now

    def import_file(self, now: datetime, imported: ImportFile) -> ImportResult:
        """`license smart import`: every ACK and policy in the file, or nothing at all."""
        policies: list[SignedDocument] = []
        for document in imported.acks:
            try:
                ack = AckBody.model_validate(self.trust_store.verify(document, now))
            except SignatureError:
                if carries_policy(document):
                    self._log(now, Message.POLICY_INSTALL_FAILED, Refusal.SIGNATURE_MISMATCH.text)
                return self._import_failed(now, "RUM ACK", ImportOutcome.SIGNATURE_MISMATCH)
            except ValidationError:
                return self._import_failed(now, "RUM ACK", ImportOutcome.NOT_AN_ACK)
            if not self._is_own(ack.udi):
                outcome = ImportOutcome.OTHER_PRODUCT
                return self._import_failed(now, "RUM ACK", outcome, ack.udi.display)
            if ack.policy is not None:
                policies.append(ack.policy)
        policies += imported.policies
        for document in policies:
            problem = policy_problem(self.trust_store, self.timing, now, document)
            if problem is not None:
                self._log(now, Message.POLICY_INSTALL_FAILED, POLICY_FAILURE_TEXT[problem])
                return self._import_failed(now, "POLICY", problem)
        # Everything checked: install.
        installed: set[str | None] = set()
        for document in imported.acks:
            self._install_ack_body(now, document, install_policy=False)
            self.imports.append(ImportEntry(now, "RUM ACK", "SUCCESS"))
        for document in policies:
            policy_id = policy_id_of(document)
            if policy_id not in installed:
                installed.add(policy_id)
                self.install_policy(now, document)
                self.imports.append(ImportEntry(now, "POLICY", "SUCCESS"))
        keep_last(self.imports, self.timing.history_kept)
        self._refresh_deadline(now)
        return ImportResult(ImportOutcome.SUCCESS)

    def _import_failed(
        self, now: datetime, kind: str, outcome: ImportOutcome, detail: str = ""
    ) -> ImportResult:
        result = ImportResult(outcome, detail)
        self.imports.append(ImportEntry(now, kind, f"FAILED: {result.text.removeprefix('% ')}"))
        keep_last(self.imports, self.timing.history_kept)
        self._event(now, f"Import of {kind} failed")
        return result
