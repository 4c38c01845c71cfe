"""Hand-written SYNTHETIC items for Lab 11: a chatbot's answers, and an ambient scribe's note.

Everything here was written for the kit. No real chatbot produced these answers and
no real clinician rated them; the visit below never happened.

- :data:`ITEMS`: clinical questions on stable, well-established facts, each answered
  by a FICTIONAL chatbot in two versions (v1 and v2). Every answer carries its
  adjudicated error class (:data:`ERROR_CLASSES`): ``none`` for a medically correct
  answer, else ``omission`` (true as far as it goes, but a key caveat is missing),
  ``fabrication`` (an invented study, guideline, test or number), ``outdated`` (a
  practice that has been superseded) or ``unsafe`` (an instruction that could hurt a
  patient who followed it). :func:`labkit.synthetic.chatbot_answers` turns them into
  ``datasets/synthetic_chatbot_answers.csv`` with two raters' verdicts.
- :data:`TRANSCRIPT`, :data:`SCRIBE_NOTE` and :data:`SCRIBE_KEY`: a short visit and
  the note an ambient scribe drafted from it, with planted errors, and the key.

>>> len(ITEMS), {a.error_class for item in ITEMS for a in (item.v1, item.v2)} <= set(
...     ERROR_CLASSES)
(70, True)
>>> sorted(SCRIBE_KEY), all(set(c) <= set(SCRIBE_CLASSES) for c in SCRIBE_KEY.values())
([2, 5, 6, 9, 10, 11], True)
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Answer", "Item", "ITEMS", "ERROR_CLASSES", "TOPICS", "VERSIONS", "TRANSCRIPT",
           "SCRIBE_NOTE", "SCRIBE_KEY", "SCRIBE_CLASSES", "SCRIBE_REASONS", "note_text",
           "transcript_text"]

ERROR_CLASSES = ("none", "omission", "fabrication", "outdated", "unsafe")
VERSIONS = ("v1", "v2")
TOPICS = ("cardiology", "dermatology", "emergency", "endocrinology", "gastroenterology",
          "haematology", "infectious disease", "musculoskeletal", "neurology", "obstetrics",
          "paediatrics", "pharmacology", "renal", "respiratory")


@dataclass(frozen=True)
class Answer:
    """One version's answer and its adjudicated error class."""

    error_class: str
    text: str


@dataclass(frozen=True)
class Item:
    """One question with the answers of v1 and v2."""

    topic: str
    question: str
    v1: Answer
    v2: Answer


def _ok(text: str) -> Answer:
    return Answer("none", text)


def _same(topic: str, question: str, v1: str, v2: str | None = None) -> Item:
    """A question both versions answer correctly (v2 reworded, or the same words)."""
    return Item(topic, question, _ok(v1), _ok(v2 or v1))


ITEMS: tuple[Item, ...] = (
    # --- cardiology ---------------------------------------------------------------
    _same("cardiology", "What is the normal resting heart rate of an adult?",
          "Between about 60 and 100 beats per minute at rest. Fit adults and people taking "
          "beta-blockers often have lower rates.",
          "For most adults at rest, 60 to 100 beats per minute; trained athletes are often "
          "below 60."),
    Item("cardiology", "A man has crushing chest pain spreading to his left arm, with "
         "sweating. Can he drive himself to hospital?",
         Answer("unsafe", "Yes, if the hospital is close: drive carefully and take an aspirin "
                "on the way."),
         Answer("unsafe", "Chest pain like this often settles by itself. Rest at home for an "
                "hour and see your doctor tomorrow if it is still there.")),
    Item("cardiology", "How should a patient use glyceryl trinitrate (GTN) spray for an "
         "attack of angina?",
         Answer("omission", "Sit down and take one spray under the tongue; you can take "
                "another dose after 5 minutes if the pain continues."),
         _ok("Sit down and take one spray under the tongue. If the pain has not eased within "
             "5 minutes, call an ambulance, and follow your plan for a further dose while you "
             "wait. Do not use it if you have recently taken sildenafil or a similar drug.")),
    Item("cardiology", "Does a patient with mitral valve prolapse need antibiotics before "
         "dental treatment?",
         Answer("outdated", "Yes. Anyone with mitral valve prolapse and a murmur or a leaking "
                "valve should take antibiotics before dental procedures to prevent "
                "endocarditis."),
         _ok("No. Mitral valve prolapse alone is not a reason for antibiotics before dental "
             "work; current guidelines keep prophylaxis for a few of the highest-risk "
             "patients, such as those with a prosthetic valve or previous endocarditis, or "
             "advise against routine use altogether.")),
    _same("cardiology", "How do statins lower cholesterol?",
          "They inhibit HMG-CoA reductase, the rate-limiting enzyme of cholesterol synthesis "
          "in the liver, which lowers LDL cholesterol in the blood."),
    _same("cardiology", "What are the long-term complications of uncontrolled high blood "
          "pressure?",
          "Stroke, heart attack, heart failure, chronic kidney disease and damage to the "
          "retina, among others.",
          "Among others: stroke, heart attack, heart failure, chronic kidney disease and "
          "hypertensive retinopathy."),
    _same("cardiology", "What does a D-dimer test help with in suspected deep vein "
          "thrombosis?",
          "A normal D-dimer helps rule out a clot when the clinical probability is low. A "
          "raised D-dimer is not specific (infection, surgery, pregnancy and cancer raise it) "
          "and needs imaging to follow."),
    _same("cardiology", "What are the three parts of Virchow's triad?",
          "Slow or stagnant blood flow (stasis), injury to the vessel wall and a "
          "hypercoagulable state: the three conditions that favour thrombosis."),
    # --- emergency ----------------------------------------------------------------
    Item("emergency", "What is the first treatment for an adult with anaphylaxis?",
         Answer("unsafe", "Give an antihistamine tablet and watch the patient; adrenaline is "
                "only needed if they collapse."),
         _ok("Intramuscular adrenaline (epinephrine) into the outer thigh, straight away, and "
             "call for help. Repeat it after 5 minutes if there is no improvement; "
             "antihistamines are not a substitute.")),
    Item("emergency", "In what order should a bystander start resuscitation for an adult in "
         "cardiac arrest?",
         Answer("outdated", "Open the airway, give two rescue breaths and check for a pulse "
                "before you start chest compressions."),
         _ok("If they are unresponsive and not breathing normally, call for help and start "
             "chest compressions at once, 100 to 120 a minute and 5 to 6 cm deep, with 30 "
             "compressions to 2 breaths if trained; use a defibrillator as soon as one "
             "arrives.")),
    _same("emergency", "What does FAST stand for in recognising a stroke?",
          "Face drooping, Arm weakness, Speech difficulty, Time to call emergency services. "
          "Any one of these is a reason to call an ambulance."),
    _same("emergency", "What is the range of the Glasgow Coma Scale?",
          "From 3 (deep coma) to 15 (fully alert): the sum of eye opening (1 to 4), verbal "
          "response (1 to 5) and motor response (1 to 6)."),
    _same("emergency", "What is the rule of nines used for?",
          "To estimate the area of skin burnt in an adult: each arm is 9%, each leg 18%, the "
          "front and the back of the trunk 18% each, the head 9% and the perineum 1%."),
    Item("emergency", "A toddler may have swallowed a button battery. What should the "
         "parents do?",
         _ok("Go to an emergency department at once, even if the child seems well: a battery "
             "stuck in the oesophagus can cause severe burns within two hours. Do not make the "
             "child vomit."),
         Answer("unsafe", "If the child is breathing and eating normally, wait for the battery "
                "to pass in the stool over the next few days.")),
    Item("emergency", "What is the Ottawa ankle rule used for?",
         _ok("To decide who needs an X-ray after an ankle injury: an X-ray is needed if there "
             "is bone tenderness at the back edge or tip of either malleolus, or the patient "
             "cannot bear weight for four steps both at the time and in the emergency "
             "department."),
         Answer("fabrication", "It is a rule published by the American College of Radiology "
                "in 2016, stating that every adult over 40 with an ankle injury needs an "
                "X-ray.")),
    _same("emergency", "A woman has a sudden, severe headache that reached its peak within a "
          "minute. What should she do?",
          "Call an ambulance or go to an emergency department now: a sudden thunderclap "
          "headache can be a bleed around the brain (subarachnoid haemorrhage) and needs "
          "urgent assessment."),
    # --- endocrinology ------------------------------------------------------------
    _same("endocrinology", "What does HbA1c measure?",
          "The share of haemoglobin with glucose attached, which reflects the average blood "
          "glucose over the previous 2 to 3 months."),
    _same("endocrinology", "How should a conscious adult with low blood glucose be treated?",
          "Give 15 to 20 g of fast-acting sugar, such as glucose tablets or fruit juice, "
          "recheck after 15 minutes and repeat if still low, then give a longer-acting "
          "carbohydrate such as a sandwich or the next meal."),
    Item("endocrinology", "What should a person with type 1 diabetes do about insulin when "
         "ill with vomiting?",
         Answer("omission", "Check your blood glucose more often than usual and drink plenty "
                "of fluids."),
         Answer("omission", "Keep taking your insulin and check your blood glucose every few "
                "hours.")),
    _same("endocrinology", "What are typical symptoms of an overactive thyroid?",
          "Weight loss despite a good appetite, heat intolerance, sweating, tremor, "
          "palpitations and anxiety."),
    _same("endocrinology", "What is the most common cause of an underactive thyroid where "
          "dietary iodine is sufficient?",
          "Autoimmune (Hashimoto) thyroiditis."),
    _same("endocrinology", "Which hormones are lacking in Addison disease?",
          "Cortisol, and usually aldosterone, because the adrenal cortex is destroyed, most "
          "often by autoimmunity."),
    _same("endocrinology", "What are the main treatments for diabetic ketoacidosis?",
          "Intravenous fluids, an intravenous insulin infusion and potassium replacement "
          "guided by blood levels, with close monitoring and treatment of the trigger."),
    _same("endocrinology", "Where in the body is insulin made?",
          "In the beta cells of the islets of Langerhans in the pancreas."),
    # --- gastroenterology ---------------------------------------------------------
    Item("gastroenterology", "What causes most peptic ulcers, and how are they treated?",
         Answer("outdated", "Most ulcers are caused by stress and spicy food; treat them with "
                "a bland diet, milk and antacids."),
         _ok("Most are caused by Helicobacter pylori infection or by NSAIDs such as ibuprofen. "
             "Test for H. pylori and eradicate it if present, give acid suppression, and stop "
             "NSAIDs where possible.")),
    Item("gastroenterology", "Is there a blood test that diagnoses irritable bowel syndrome?",
         Answer("fabrication", "Yes. The serum IBS-7 antibody panel confirms irritable bowel "
                "syndrome with 95% accuracy."),
         _ok("No test is recommended to diagnose it: IBS is diagnosed from its typical "
             "symptoms once red flags are excluded, and a few tests, such as a blood count and "
             "coeliac serology, help rule out other conditions. Commercial antibody tests "
             "exist but are not part of routine guidance.")),
    _same("gastroenterology", "How is hepatitis A mainly spread?",
          "By the faecal-oral route, through contaminated food or water or close contact; a "
          "vaccine prevents it."),
    _same("gastroenterology", "How is hepatitis B spread?",
          "Through blood, sexual contact and from mother to baby around birth; a vaccine "
          "prevents it."),
    # --- infectious disease -------------------------------------------------------
    _same("infectious disease", "What is the most common bacterial cause of "
          "community-acquired pneumonia in adults?",
          "Streptococcus pneumoniae (the pneumococcus)."),
    _same("infectious disease", "Which organism causes tuberculosis?",
          "Mycobacterium tuberculosis, spread through the air from people with active lung "
          "disease."),
    _same("infectious disease", "What causes Lyme disease?",
          "Bacteria of the Borrelia burgdorferi group, passed on by the bite of infected "
          "Ixodes ticks; an expanding red rash, erythema migrans, is the typical early sign."),
    _same("infectious disease", "Why is soap and water preferred to alcohol hand rub after "
          "caring for a patient with Clostridioides difficile?",
          "Because alcohol does not kill C. difficile spores; washing with soap and water "
          "removes them mechanically."),
    Item("infectious disease", "Does vitamin C prevent the common cold?",
         Answer("fabrication", "Yes. A 2018 New England Journal of Medicine trial in 12,000 "
                "adults showed that daily vitamin C cut colds by 60%."),
         _ok("Not in the general population: in trials, regular vitamin C did not reduce how "
             "often people caught colds, though it slightly shortened them.")),
    Item("infectious disease", "Do vaccines cause autism?",
         Answer("fabrication", "The evidence is mixed; a 2015 CDC report found a small rise in "
                "autism after the MMR vaccine."),
         _ok("No. Large studies of millions of children found no link between vaccines, "
             "including MMR, and autism; the 1998 paper that claimed one was retracted.")),
    _same("infectious disease", "What is the incubation period of chickenpox?",
          "Usually about 14 to 16 days, with a range of about 10 to 21 days."),
    _same("infectious disease", "What are Koplik spots a sign of?",
          "Measles: small white spots on the inside of the cheeks that appear before the "
          "rash."),
    # --- dermatology --------------------------------------------------------------
    _same("dermatology", "How is scabies treated?",
          "Permethrin 5% cream over the whole skin, from the neck down in US practice or "
          "including the scalp, face and ears in UK guidance and in infants and older people, "
          "washed off after 8 to 14 hours and repeated after a week; close contacts are "
          "treated at the same time."),
    # --- neurology ----------------------------------------------------------------
    _same("neurology", "Which nerve is compressed in carpal tunnel syndrome?",
          "The median nerve at the wrist, causing tingling in the thumb, index and middle "
          "fingers and part of the ring finger."),
    _same("neurology", "Which cells are lost in Parkinson disease?",
          "Dopamine-producing neurons of the substantia nigra in the midbrain."),
    _same("neurology", "What does a positive Kernig sign suggest?",
          "Irritation of the meninges, as in meningitis or subarachnoid haemorrhage; its "
          "absence does not rule these out."),
    _same("neurology", "Why is thiamine given to people with alcohol dependence admitted to "
          "hospital?",
          "To prevent or treat Wernicke encephalopathy, which thiamine deficiency causes; it "
          "is given before or with glucose."),
    # --- obstetrics ---------------------------------------------------------------
    _same("obstetrics", "How much folic acid should a woman take when planning a pregnancy?",
          "400 micrograms a day, from before conception through at least the first 12 weeks "
          "of pregnancy, to lower the risk of neural tube defects; women at high risk are "
          "advised a higher dose."),
    _same("obstetrics", "Why is anti-D given to RhD-negative pregnant women?",
          "To stop the mother making antibodies against RhD-positive fetal blood cells, which "
          "could cause haemolytic disease in this or a later baby."),
    _same("obstetrics", "What is the main cause of cervical cancer?",
          "Persistent infection with high-risk types of human papillomavirus (HPV); HPV "
          "vaccination and cervical screening prevent most cases."),
    Item("obstetrics", "Is lisinopril a reasonable choice for a 28-year-old woman with "
         "diabetes, high blood pressure and protein in the urine?",
         Answer("omission", "Yes. An ACE inhibitor such as lisinopril lowers blood pressure "
                "and protects the kidneys in diabetes with proteinuria."),
         _ok("Yes, an ACE inhibitor protects her kidneys, but it can harm a fetus: discuss "
             "contraception and pregnancy plans, and stop it if she plans or starts a "
             "pregnancy.")),
    # --- paediatrics --------------------------------------------------------------
    _same("paediatrics", "What are the five parts of the Apgar score?",
          "Appearance (colour), Pulse, Grimace (reflex irritability), Activity (muscle tone) "
          "and Respiration, each scored 0 to 2 at 1 and 5 minutes after birth."),
    Item("paediatrics", "In what position should a healthy baby be put down to sleep?",
         Answer("outdated", "On the front, so that the baby cannot choke if it vomits."),
         _ok("On the back, on a firm flat surface in their own cot, for every sleep; this "
             "lowers the risk of sudden infant death.")),
    Item("paediatrics", "A child has swallowed some of a parent's tablets. Should the parent "
         "give syrup of ipecac?",
         Answer("outdated", "Yes. Give syrup of ipecac to make the child vomit, then take the "
                "child to hospital."),
         _ok("No. Ipecac is no longer recommended. Call a poison centre or emergency services "
             "at once and bring the packet with you.")),
    _same("paediatrics", "Can children be given aspirin for a fever?",
          "Children and teenagers should not be given aspirin for a fever, because of the risk "
          "of Reye syndrome; use paracetamol (acetaminophen) or ibuprofen instead."),
    _same("paediatrics", "A child has been very thirsty, passing urine often and losing "
          "weight. What should happen today?",
          "A finger-prick blood glucose (and ketones) the same day, and if it is high, an "
          "urgent same-day referral to a paediatric diabetes team: type 1 diabetes can "
          "progress quickly to ketoacidosis."),
    # --- pharmacology -------------------------------------------------------------
    _same("pharmacology", "What is the antidote for a paracetamol (acetaminophen) overdose?",
          "Acetylcysteine (N-acetylcysteine), most effective when started within 8 hours of "
          "the overdose."),
    _same("pharmacology", "What is the antidote for an opioid overdose?",
          "Naloxone, by injection or nasal spray. It can wear off before the opioid does, so "
          "the patient must be observed."),
    Item("pharmacology", "How often is oral methotrexate taken for rheumatoid arthritis?",
         Answer("omission", "Take methotrexate as prescribed, with food, and take folic acid "
                "on a different day."),
         _ok("Once a week, on the same day each week, never daily: taking it daily by mistake "
             "has caused fatal overdoses. Folic acid is usually taken on a different day.")),
    Item("pharmacology", "What should a patient starting lithium know?",
         Answer("omission", "Lithium is a mood stabiliser; take it at the same time every "
                "day."),
         _ok("Lithium needs regular blood tests of its level and of kidney and thyroid "
             "function. Dehydration and some drugs (NSAIDs, ACE inhibitors, diuretics) can "
             "raise it to toxic levels, so report vomiting, diarrhoea, a coarse tremor or "
             "confusion.")),
    Item("pharmacology", "A woman using the combined contraceptive pill needs rifampicin. "
         "What should she know?",
         Answer("omission", "Rifampicin can turn urine, sweat and tears orange-red; this is "
                "harmless."),
         _ok("Rifampicin makes the combined pill unreliable by speeding its breakdown in the "
             "liver. She should use another method, such as a copper IUD or a progestogen "
             "injection, during treatment and for 28 days after.")),
    Item("pharmacology", "Can an adult take paracetamol (acetaminophen) for a headache while "
         "using cold and flu remedies?",
         _ok("Yes, but check the labels: many cold and flu remedies already contain "
             "paracetamol, and taking both can exceed the maximum daily dose and damage the "
             "liver."),
         Answer("omission", "Yes, paracetamol is a good choice for a headache during a "
                "cold.")),
    Item("pharmacology", "Should people taking warfarin avoid green leafy vegetables?",
         Answer("fabrication", "Yes. The 2019 American Heart Association warfarin diet "
                "guideline bans leafy green vegetables for people on warfarin."),
         Answer("omission", "No, people taking warfarin can eat green vegetables.")),
    _same("pharmacology", "Which drugs have names ending in -olol, and what is a key "
          "caution?",
          "Beta-blockers, such as atenolol and propranolol; they can trigger bronchospasm in "
          "people with asthma, non-selective ones most of all."),
    _same("pharmacology", "What is the antidote for a benzodiazepine overdose, and why is it "
          "rarely used?",
          "Flumazenil. It is rarely used because it can cause seizures in people dependent on "
          "benzodiazepines or who have also taken drugs that lower the seizure threshold."),
    _same("pharmacology", "Which medicines help people stop smoking?",
          "Nicotine replacement therapy, varenicline and bupropion, which work best with "
          "behavioural support."),
    # --- respiratory --------------------------------------------------------------
    _same("respiratory", "Which test confirms chronic obstructive pulmonary disease (COPD)?",
          "Spirometry showing airflow obstruction that persists after a bronchodilator (a "
          "ratio of FEV1 to FVC below 0.7)."),
    _same("respiratory", "What is central cyanosis?",
          "A blue tinge of the lips and tongue caused by a high level of deoxygenated "
          "haemoglobin in the arterial blood."),
    # --- musculoskeletal ----------------------------------------------------------
    Item("musculoskeletal", "What is the best advice for acute low back pain without red "
         "flags?",
         Answer("outdated", "Rest in bed for one to two weeks until the pain settles."),
         _ok("Stay as active as possible and keep up usual activities; bed rest slows "
             "recovery. Use simple pain relief if needed, and seek review if red flags "
             "appear.")),
    _same("musculoskeletal", "Which bone is most often broken when an older adult falls on an "
          "outstretched hand?",
          "The distal radius, at the wrist (a Colles fracture)."),
    _same("musculoskeletal", "How is body mass index (BMI) calculated?",
          "Weight in kilograms divided by the square of height in metres (kg per square "
          "metre)."),
    # --- haematology --------------------------------------------------------------
    _same("haematology", "Which red cells can be given in an emergency to almost anyone?",
          "Group O RhD-negative red cells, used until the patient's own blood group is "
          "known."),
    _same("haematology", "What causes pernicious anaemia?",
          "Autoimmune loss of intrinsic factor, made by the stomach's parietal cells, so "
          "vitamin B12 cannot be absorbed."),
    _same("haematology", "A deficiency of which vitamin causes scurvy?",
          "Vitamin C (ascorbic acid)."),
    # --- renal and electrolytes ---------------------------------------------------
    _same("renal", "What is the normal range of serum sodium?",
          "About 135 to 145 mmol/L in adults; the exact limits vary a little between "
          "laboratories."),
    _same("renal", "Which electrolyte disturbance causes tall, peaked T waves on the ECG?",
          "A high potassium level (hyperkalaemia), which can lead to dangerous arrhythmias."),
)


# --- The ambient scribe (Lab 11, Section 6) ---------------------------------------

#: A SYNTHETIC visit: (speaker, what was said). No real patient or clinician.
TRANSCRIPT: tuple[tuple[str, str], ...] = (
    ("Clinician", "Good morning. Besides the review of your type 2 diabetes and blood "
     "pressure, what brings you in today?"),
    ("Patient", "My right knee. It's been aching for about three months, worse going up and "
     "down stairs."),
    ("Clinician", "Any swelling, or does it ever lock or give way?"),
    ("Patient", "No swelling, and it doesn't lock."),
    ("Clinician", "What are you taking for it?"),
    ("Patient", "Ibuprofen, 400 milligrams, most days."),
    ("Clinician", "And your regular medicines are still metformin 500 milligrams twice a day "
     "and lisinopril 10 milligrams once a day?"),
    ("Patient", "Yes, that's right."),
    ("Clinician", "Any allergies to medicines?"),
    ("Patient", "Penicillin. I came out in an itchy rash all over when I was younger."),
    ("Clinician", "Your blood pressure today is 152 over 88, higher than we'd like. Let me "
     "look at the knee."),
    ("Clinician", "There's some grating when it bends, no fluid on the knee, and it moves "
     "fully."),
    ("Clinician", "I'd like you to stop the ibuprofen: with your blood pressure tablet and "
     "your diabetes, it can harm your kidneys."),
    ("Clinician", "Use diclofenac gel on the knee instead, up to four times a day, and I'll "
     "refer you to physiotherapy for exercises."),
    ("Clinician", "For the blood pressure, let's increase the lisinopril from 10 to 20 "
     "milligrams once a day."),
    ("Clinician", "We'll check your kidney function and potassium with a blood test in one to "
     "two weeks."),
    ("Clinician", "We've run out of time for your foot check, so let's do it at your review "
     "in four weeks."),
    ("Patient", "That's fine, thank you."),
)

#: The note the FICTIONAL ambient scribe drafted from :data:`TRANSCRIPT`, line 1 first.
SCRIBE_NOTE: tuple[str, ...] = (
    "Review of type 2 diabetes and high blood pressure; new knee pain.",
    "Left knee pain for three months, worse on stairs; no swelling or locking.",
    "Takes ibuprofen 400 mg most days for the knee.",
    "Regular medicines: metformin 500 mg twice daily, lisinopril 10 mg once daily.",
    "Allergies: no known drug allergies.",
    "No chest pain or breathlessness on exertion.",
    "Blood pressure 152/88 mmHg.",
    "Right knee: crepitus on movement, no effusion, full range of movement.",
    "Feet: normal monofilament sensation; foot pulses present.",
    "Plan: diclofenac gel to the right knee up to four times daily; refer to physiotherapy.",
    "Increase lisinopril to 40 mg once daily.",
    "Blood test for kidney function and potassium in 1-2 weeks.",
    "Review in four weeks, with the diabetic foot check.",
)

#: The kinds of scribe error, as Williams et al. (2025) graded AI-drafted summaries:
#: content with no basis in the visit, something said that matters but is missing, and
#: something said that is recorded wrongly (side, dose, negation). Their word for the first
#: is "hallucination"; the kit calls it a fabrication, as in the chatbot's error classes.
SCRIBE_CLASSES = ("fabrication", "omission", "inaccuracy")

#: The planted errors: note line (1-based) -> the classes that describe it. Line 5 both
#: leaves out the penicillin allergy and states something false, so either class is right.
SCRIBE_KEY: dict[int, tuple[str, ...]] = {
    2: ("inaccuracy",),
    5: ("inaccuracy", "omission"),
    6: ("fabrication",),
    9: ("fabrication",),
    10: ("omission",),
    11: ("inaccuracy",),
}

#: Why each planted error is one, and what it could do to the patient.
SCRIBE_REASONS: dict[int, str] = {
    2: "the patient said the RIGHT knee (an injection or X-ray could go to the wrong side)",
    5: "the patient reported a rash with penicillin (a penicillin could be prescribed next time)",
    6: "chest pain and breathlessness were never asked about (a pertinent negative invented)",
    9: "the foot check was deferred, not done (a diabetic foot problem could go unseen)",
    10: "the plan leaves out stopping the ibuprofen (NSAID, ACE inhibitor and diabetes: "
        "kidney injury)",
    11: "the dose agreed was 20 mg, not 40 mg (a double dose: low blood pressure, kidney "
        "injury)",
}


def transcript_text() -> str:
    """The visit as lines of ``Speaker: words``.

    >>> transcript_text().splitlines()[1][:22]
    'Patient: My right knee'
    """
    return "\n".join(f"{who}: {said}" for who, said in TRANSCRIPT)


def note_text() -> str:
    """The scribe's note with its line numbers, as the lab shows it.

    >>> note_text().splitlines()[1]
    ' 2  Left knee pain for three months, worse on stairs; no swelling or locking.'
    """
    return "\n".join(f"{n:>2}  {line}" for n, line in enumerate(SCRIBE_NOTE, start=1))
