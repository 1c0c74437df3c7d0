//! Bank payment files (فایل پرداخت بانکی) in ISO 20022 `pain.001.001.03` (customer
//! credit transfer initiation): one payment information block a file, one credit
//! transfer a payment, amounts in whole rials (`IRR`). The file is written in
//! pieces (the header with the count and control sum the cycle computed, each
//! transfer, the footer) so the store can stream it; `Totals` checks that what was
//! written matches the header, and a file that does not is refused.

use crate::coded::coded;
use crate::sheba::Sheba;

coded!(
    /// قالب فایل بانکی
    FileFormat {
        Csv = "csv" "CSV",
        Pain001 = "pain001" "ISO 20022 pain.001",
    }
);

/// The file's identity and the account the organization pays from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileHeader<'a> {
    /// Unique per file (35 characters at most).
    pub message_id: &'a str,
    /// When the file was made, ISO 8601 (`2026-11-27T10:30:00`).
    pub created_at: &'a str,
    /// The day the bank is to pay, ISO (`2026-12-01`).
    pub execution_date: &'a str,
    pub debtor_name: &'a str,
    pub debtor_account: &'a Sheba,
    /// How many transfers follow, and their sum in rials.
    pub transfers: u64,
    pub control_sum: i64,
}

/// One payment to one beneficiary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transfer<'a> {
    /// The id the bank's return names the payment by (35 characters at most).
    pub end_to_end_id: &'a str,
    pub beneficiary: &'a str,
    pub account: &'a Sheba,
    pub rials: i64,
    /// What the beneficiary's statement says (140 characters at most).
    pub remittance: &'a str,
}

/// Why a file cannot be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BankFileError {
    /// A text is longer than the standard allows: the element and its limit.
    TooLong { element: &'static str, limit: usize },
    /// An amount is not positive, or too large for the standard's 18 digits.
    Amount { rials: i64 },
    /// What was written does not match the header's count and control sum.
    Totals { expected: (u64, i64), written: (u64, i128) },
}

impl std::fmt::Display for BankFileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BankFileError::TooLong { element, limit } => write!(f, "{element} must be 1 to {limit} characters"),
            BankFileError::Amount { rials } => write!(f, "the amount {rials} is not positive or has over 18 digits"),
            BankFileError::Totals { expected, written } => write!(
                f,
                "the file holds {} transfers of {} rials, its header says {} of {}",
                written.0, written.1, expected.0, expected.1
            ),
        }
    }
}

/// The most an amount or a control sum may be: 18 digits.
const MAX_DIGITS: i128 = 999_999_999_999_999_999;

fn text(element: &'static str, value: &str, limit: usize) -> Result<String, BankFileError> {
    if value.chars().count() > limit || value.trim().is_empty() {
        return Err(BankFileError::TooLong { element, limit });
    }
    Ok(escape(value))
}

/// Escapes text for an XML element or attribute.
fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// The document's start, its group header and the payment information's start.
pub fn header(h: &FileHeader<'_>) -> Result<String, BankFileError> {
    if h.control_sum < 0 || i128::from(h.control_sum) > MAX_DIGITS {
        return Err(BankFileError::Amount { rials: h.control_sum });
    }
    let id = text("MsgId", h.message_id, 35)?;
    let name = text("Nm", h.debtor_name, 140)?;
    let (count, sum) = (h.transfers, h.control_sum);
    Ok(format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:pain.001.001.03\">\n\
         <CstmrCdtTrfInitn>\n\
         <GrpHdr><MsgId>{id}</MsgId><CreDtTm>{created}</CreDtTm><NbOfTxs>{count}</NbOfTxs>\
         <CtrlSum>{sum}</CtrlSum><InitgPty><Nm>{name}</Nm></InitgPty></GrpHdr>\n\
         <PmtInf><PmtInfId>{id}</PmtInfId><PmtMtd>TRF</PmtMtd><NbOfTxs>{count}</NbOfTxs>\
         <CtrlSum>{sum}</CtrlSum><ReqdExctnDt>{day}</ReqdExctnDt><Dbtr><Nm>{name}</Nm></Dbtr>\
         <DbtrAcct><Id><IBAN>{iban}</IBAN></Id></DbtrAcct><DbtrAgt><FinInstnId/></DbtrAgt>\n",
        created = escape(h.created_at),
        day = escape(h.execution_date),
        iban = h.debtor_account.as_string(),
    ))
}

/// One credit transfer.
pub fn transfer(t: &Transfer<'_>) -> Result<String, BankFileError> {
    if t.rials <= 0 || i128::from(t.rials) > MAX_DIGITS {
        return Err(BankFileError::Amount { rials: t.rials });
    }
    Ok(format!(
        "<CdtTrfTxInf><PmtId><EndToEndId>{id}</EndToEndId></PmtId><Amt><InstdAmt Ccy=\"IRR\">{rials}</InstdAmt></Amt>\
         <Cdtr><Nm>{name}</Nm></Cdtr><CdtrAcct><Id><IBAN>{iban}</IBAN></Id></CdtrAcct>\
         <RmtInf><Ustrd>{note}</Ustrd></RmtInf></CdtTrfTxInf>\n",
        id = text("EndToEndId", t.end_to_end_id, 35)?,
        rials = t.rials,
        name = text("Nm", t.beneficiary, 140)?,
        iban = t.account.as_string(),
        note = text("Ustrd", t.remittance, 140)?,
    ))
}

/// The document's end.
pub fn footer() -> &'static str {
    "</PmtInf>\n</CstmrCdtTrfInitn>\n</Document>\n"
}

/// What has been written so far, against what the header said.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Totals {
    expected: (u64, i64),
    written: (u64, i128),
}

impl Totals {
    pub fn new(h: &FileHeader<'_>) -> Self {
        Self { expected: (h.transfers, h.control_sum), written: (0, 0) }
    }

    pub fn add(&mut self, t: &Transfer<'_>) {
        self.written = (self.written.0 + 1, self.written.1 + i128::from(t.rials));
    }

    /// Whether the file written matches its header.
    pub fn check(&self) -> Result<(), BankFileError> {
        if self.written == (self.expected.0, i128::from(self.expected.1)) {
            Ok(())
        } else {
            Err(BankFileError::Totals { expected: self.expected, written: self.written })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sheba(text: &str) -> Sheba {
        Sheba::parse(text).unwrap()
    }

    /// A file of two transfers: its header carries their count and sum, every
    /// element opened is closed in order, names are escaped, and the totals
    /// check holds; a third transfer the header did not count breaks it.
    #[test]
    fn a_file_carries_its_count_and_control_sum_and_is_well_formed() {
        let debtor = sheba("IR820540102680020817909002");
        let a = sheba("IR062960000000100324200001");
        let header_fields = FileHeader {
            message_id: "PENSION-1405-10-08",
            created_at: "2026-11-27T10:30:00",
            execution_date: "2026-12-22",
            debtor_name: "سازمان بهزیستی کشور",
            debtor_account: &debtor,
            transfers: 2,
            control_sum: 75_000_000,
        };
        let transfers = [
            Transfer {
                end_to_end_id: "C12-P7-0001",
                beneficiary: "مریم <کاظمی> & فرزندان",
                account: &a,
                rials: 45_000_000,
                remittance: "مستمری دی ۱۴۰۵",
            },
            Transfer {
                end_to_end_id: "C12-P7-0002",
                beneficiary: "علی رضایی",
                account: &a,
                rials: 30_000_000,
                remittance: "مستمری دی ۱۴۰۵",
            },
        ];
        let mut file = header(&header_fields).unwrap();
        let mut totals = Totals::new(&header_fields);
        for t in &transfers {
            file.push_str(&transfer(t).unwrap());
            totals.add(t);
        }
        file.push_str(footer());
        assert_eq!(totals.check(), Ok(()));
        assert_eq!(file.matches("<NbOfTxs>2</NbOfTxs>").count(), 2, "group header and payment information");
        assert_eq!(file.matches("<CtrlSum>75000000</CtrlSum>").count(), 2);
        assert_eq!(file.matches("<CdtTrfTxInf>").count(), 2);
        assert!(file.contains("<InstdAmt Ccy=\"IRR\">45000000</InstdAmt>"));
        assert!(file.contains("<Nm>مریم &lt;کاظمی&gt; &amp; فرزندان</Nm>"));
        assert!(file.contains(&format!("<IBAN>{}</IBAN>", debtor.as_string())));
        assert_well_formed(&file);

        totals.add(&transfers[0]);
        assert!(matches!(totals.check(), Err(BankFileError::Totals { expected: (2, 75_000_000), .. })));
    }

    #[test]
    fn what_the_standard_does_not_allow_is_refused() {
        let a = sheba("IR062960000000100324200001");
        let t = |id, rials| Transfer { end_to_end_id: id, beneficiary: "x", account: &a, rials, remittance: "y" };
        assert_eq!(transfer(&t("1", 0)), Err(BankFileError::Amount { rials: 0 }));
        assert_eq!(transfer(&t("1", -5)), Err(BankFileError::Amount { rials: -5 }));
        assert_eq!(transfer(&t("1", i64::MAX)), Err(BankFileError::Amount { rials: i64::MAX }));
        let long = "۱".repeat(36);
        assert_eq!(transfer(&t(&long, 10)), Err(BankFileError::TooLong { element: "EndToEndId", limit: 35 }));
        let fits = "۱".repeat(35);
        assert!(transfer(&t(&fits, 10)).is_ok(), "35 characters, whatever their bytes");
        assert_eq!(transfer(&t(" ", 10)), Err(BankFileError::TooLong { element: "EndToEndId", limit: 35 }));
    }

    /// Every element opened is closed, in order (the file has no comments or
    /// CDATA; self-closing elements close themselves).
    fn assert_well_formed(xml: &str) {
        let body = xml.split_once("?>").map(|(_, b)| b).unwrap_or(xml);
        let mut open: Vec<String> = Vec::new();
        for piece in body.split('<').skip(1) {
            let tag = piece.split('>').next().unwrap_or_default();
            if let Some(name) = tag.strip_prefix('/') {
                assert_eq!(open.pop().as_deref(), Some(name), "closing {name}");
            } else if !tag.ends_with('/') {
                open.push(tag.split_whitespace().next().unwrap_or_default().to_string());
            }
        }
        assert!(open.is_empty(), "left open: {open:?}");
    }
}
