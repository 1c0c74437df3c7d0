//! The demo's knowledge library: 500 veterans' accounts across the units
//! (`tavana_synth::library`, typed in several spellings), a fifth of them
//! linked to critical positions, recorded by the HQ HR officer; a few with a
//! short recorded voice (a WAV the browser plays).

use crate::actor_named;
use anyhow::{Result, anyhow};
use tavana_domain::library::ItemFields;
use tavana_store::Store;
use tavana_synth::geo::{GeographyConfig, geography};

/// How many accounts the demo holds.
const ITEMS: usize = 500;

pub async fn seed_demo(store: &Store) -> Result<()> {
    let hr = actor_named(store, "hr").await?;
    // The demo's units and positions, as `hr::seed_demo` recorded them.
    let levels = tavana_synth::staff::units_of(&geography(&GeographyConfig::default()));
    let (positions, _) = tavana_synth::staff::staff(&levels, 1404);
    let units: Vec<String> = levels.into_iter().map(|(code, _)| code).collect();
    let critical: Vec<String> = positions.iter().filter(|p| p.critical == "true").map(|p| p.code.clone()).collect();
    let today = store.today();
    let items: Vec<ItemFields> = tavana_synth::library::items(ITEMS, 1404, &units, &critical)
        .iter()
        .map(|raw| ItemFields::parse(raw, today).map_err(|e| anyhow!("demo library item {:?}: {e:?}", raw.title)))
        .collect::<Result<_>>()?;
    let ids = store.record_library_items(&hr, &items).await?;
    let voice = tone_wav();
    for id in ids.iter().step_by(50) {
        store.add_library_attachment(&hr, *id, "گفتگو.wav", &voice).await?;
    }
    println!("{} library items, {} with a recorded voice", ids.len(), ids.len().div_ceil(50));
    Ok(())
}

/// Half a second of a quiet 440 Hz tone: 8 kHz, mono, 16-bit PCM in a WAV file.
fn tone_wav() -> Vec<u8> {
    let rate: u32 = 8_000;
    let samples: Vec<i16> = (0..rate / 2)
        .map(|i| ((i as f64 * 440.0 * std::f64::consts::TAU / f64::from(rate)).sin() * 2_000.0) as i16)
        .collect();
    let data_len = (samples.len() * 2) as u32;
    let mut wav = Vec::with_capacity(44 + samples.len() * 2);
    wav.extend_from_slice(b"RIFF");
    wav.extend_from_slice(&(36 + data_len).to_le_bytes());
    wav.extend_from_slice(b"WAVEfmt ");
    wav.extend_from_slice(&16u32.to_le_bytes());
    wav.extend_from_slice(&1u16.to_le_bytes()); // PCM
    wav.extend_from_slice(&1u16.to_le_bytes()); // mono
    wav.extend_from_slice(&rate.to_le_bytes());
    wav.extend_from_slice(&(rate * 2).to_le_bytes());
    wav.extend_from_slice(&2u16.to_le_bytes());
    wav.extend_from_slice(&16u16.to_le_bytes());
    wav.extend_from_slice(b"data");
    wav.extend_from_slice(&data_len.to_le_bytes());
    for s in samples {
        wav.extend_from_slice(&s.to_le_bytes());
    }
    wav
}
